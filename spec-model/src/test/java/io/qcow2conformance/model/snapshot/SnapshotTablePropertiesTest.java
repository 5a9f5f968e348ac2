package io.qcow2conformance.model.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qcow2conformance.model.header.Header;
import io.qcow2conformance.model.header.HeaderDecoder;
import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.io.ImageSource;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.From;
import net.jqwik.api.constraints.Size;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Any table of entries built from the spec's layout decodes to the values written, entry after entry. */
class SnapshotTablePropertiesTest {

    @Provide
    Arbitrary<EntryBytes> entries() {
        Arbitrary<String> text = Arbitraries.strings().withCharRange('!', '~').ofMaxLength(20);
        return Combinators.combine(Arbitraries.longs(), Arbitraries.longs().between(0, 0xffffffffL), text, text,
                Arbitraries.longs().between(0, 0xffffffffL), Arbitraries.longs(),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(40))
                .as((l1, l1Size, id, name, date, clock, extra) -> {
                    EntryBytes e = new EntryBytes(l1, l1Size).id(id).name(name).extra(extra);
                    e.dateSec = date;
                    e.vmClockNsec = clock;
                    e.vmStateSize32 = date ^ 0x5555L;
                    return e;
                });
    }

    @Property(tries = 60)
    void everyEntryDecodesToWhatWasWritten(@ForAll @Size(min = 1, max = 6) List<@From("entries") EntryBytes> written) {
        Path dir = tempDir();
        try {
            SnapshotFixture f = SnapshotFixture.write(dir, 2);
            long at = f.appendTable(written.size(), EntryBytes.table(written.toArray(EntryBytes[]::new)));
            SnapshotTable t;
            try (ImageSource src = ImageSource.open(f.file)) {
                Header h = HeaderDecoder.decode(src);
                t = SnapshotDecoder.decode(src, h, Limits.DEFAULT);
            }
            long pos = at;
            for (int i = 0; i < written.size(); i++) {
                EntryBytes e = written.get(i);
                Snapshot s = t.entries().get(i);
                assertEquals(pos, s.entryOffset());
                assertEquals(e.l1TableOffset, s.l1TableOffset());
                assertEquals(e.l1Size, s.l1Size());
                assertEquals(e.id, s.id());
                assertEquals(e.name, s.name());
                assertEquals(e.dateSec, s.dateSec());
                assertEquals(e.vmClockNsec, s.vmClockNsec());
                assertEquals(e.vmStateSize32, s.vmStateSize32());
                assertEquals(e.extra.length, s.extraDataSize());
                assertEquals(e.extra.length >= 16, s.virtualDiskSize().isPresent());
                assertEquals(e.extra.length - Math.min(e.extra.length / 8 * 8, 24), s.unknownExtraData().length);
                long unpadded = 40 + e.extra.length + e.id.length() + e.name.length();
                assertEquals((unpadded + 7) / 8 * 8, s.entryLength());
                pos += s.entryLength();
            }
            assertEquals(pos - at, t.length());
        } finally {
            delete(dir);
        }
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("snapshot-property");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

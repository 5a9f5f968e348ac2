package io.qcow2conformance.model.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qcow2conformance.model.image.Limits;
import io.qcow2conformance.model.rules.Finding;
import io.qcow2conformance.model.rules.Rule;
import io.qcow2conformance.model.write.Compression;
import io.qcow2conformance.model.write.ImageDescription;
import io.qcow2conformance.model.write.Layout;
import io.qcow2conformance.model.write.Mutation;
import io.qcow2conformance.model.write.Mutations;
import io.qcow2conformance.model.write.Qcow2Writer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Spec: Compressed Clusters Descriptor: the data a compressed descriptor names must
 * decompress, with the image's compression type, to a whole cluster. The check decompresses
 * every compressed cluster by default (qemu-img check does not).
 */
class CompressedDataCheckTest {
    @TempDir
    Path dir;

    private Path image(Compression compression) throws Exception {
        Path p = dir.resolve(compression + ".qcow2");
        Layout layout = Qcow2Writer.write(ImageDescription.builder()
                .clusterBits(12).virtualSize(64 << 10).compression(compression)
                .writeCompressed(0, 4096).writeCompressed(4096, 4096).build(), p);
        layoutOf = layout;
        return p;
    }

    private Layout layoutOf;

    @ParameterizedTest
    @EnumSource(Compression.class)
    void intactCompressedClustersGiveNoFinding(Compression compression) throws Exception {
        CheckReport r = new ImageChecker(Limits.DEFAULT).check(image(compression));
        assertEquals(List.of(), r.findings());
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void garbledCompressedDataIsReportedAtItsHostOffset(Compression compression) throws Exception {
        Path p = image(compression);
        byte[] junk = new byte[64];
        Arrays.fill(junk, (byte) 0xff);
        Mutations.apply(p, layoutOf, new Mutation.Overwrite(Layout.compressed(1), 0, junk));

        CheckReport r = new ImageChecker(Limits.DEFAULT).check(p);

        List<Finding> data = r.findings().stream().filter(f -> f.rule() == Rule.MAPPING_COMPRESSED_DATA).toList();
        assertEquals(1, data.size(), r.findings().toString());
        assertEquals(layoutOf.region(Layout.compressed(1)).offset(), data.get(0).offset());
        assertTrue(r.corruptions() >= 1);
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void theHookCanBeSwitchedOffAsQemuImgCheckDoes(Compression compression) throws Exception {
        Path p = image(compression);
        byte[] junk = new byte[64];
        Arrays.fill(junk, (byte) 0xff);
        Mutations.apply(p, layoutOf, new Mutation.Overwrite(Layout.compressed(1), 0, junk));

        CheckReport r = new ImageChecker(Limits.DEFAULT).withCompressedDataCheck(CompressedDataCheck.NONE).check(p);

        assertEquals(List.of(), r.findings());
    }
}

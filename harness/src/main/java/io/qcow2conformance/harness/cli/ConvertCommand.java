package io.qcow2conformance.harness.cli;

import io.qcow2conformance.model.read.BackingChain;
import io.qcow2conformance.model.read.GuestDisk;
import io.qcow2conformance.model.read.OpenOptions;
import io.qcow2conformance.model.snapshot.SnapshotDisk;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * {@code convert IMAGE OUT}: writes the guest view of a qcow2 image (with its backing chain),
 * or of one of its internal snapshots ({@code --snapshot}), as a raw file of exactly the
 * virtual size. The output is sparse: holes in the image and
 * all-zero blocks are not written. It is written to a temporary file next to OUT and
 * renamed at the end, so OUT never exists half-written.
 */
@Command(name = "convert", mixinStandardHelpOptions = true, description = "Write the guest content of a qcow2 image as a sparse raw file.")
final class ConvertCommand implements Callable<Integer> {
    /** Guest bytes read per step. */
    private static final int CHUNK = 1 << 20;
    /** Guest bytes a worker takes at a time. */
    private static final long SEGMENT = 16L << 20;
    private static final int MAX_WORKERS = 4;
    /** Granularity of the all-zero test: zero blocks of this size are left as holes. */
    private static final int ZERO_BLOCK = 4096;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(ZERO_BLOCK).asReadOnlyBuffer();

    @Mixin
    ModelOptions model;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The qcow2 image.")
    Path image;

    @Parameters(index = "1", paramLabel = "OUT", description = "The raw file to write (replaced if it exists).")
    Path out;

    @Option(names = "--snapshot", paramLabel = "ID_OR_NAME",
            description = "Convert an internal snapshot instead, found by ID, else by name (as qemu-img snapshot -a); "
                    + "its virtual size is its own (qemu-img convert -l keeps the active image's).")
    String snapshot;

    @Override
    public Integer call() {
        Path target = out.toAbsolutePath().normalize();
        checkTarget(target);
        OpenOptions options = model.openOptions();
        Supplier<GuestDisk> opener = snapshot == null ? () -> BackingChain.open(image, options)
                : () -> SnapshotDisk.open(image, options, snapshot).orElseThrow(() -> new Main.UserError(
                        "no snapshot with ID or name '" + snapshot + "' in " + image));
        // Opened here, before any file is created, so that a broken chain (or a missing or
        // wrong passphrase) leaves nothing behind.
        try (GuestDisk first = opener.get()) {
            Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".part");
            boolean done = false;
            try {
                write(first, opener, tmp);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                done = true;
            } finally {
                if (!done) {
                    Files.deleteIfExists(tmp);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Main.EXIT_OK;
    }

    private void checkTarget(Path target) {
        if (Files.isDirectory(target) || (Files.exists(target) && !Files.isRegularFile(target))) {
            throw new Main.UserError("OUT must be a regular file: " + out);
        }
        if (!Files.isDirectory(target.getParent())) {
            throw new Main.UserError("no such folder for OUT: " + target.getParent());
        }
        try {
            if (Files.exists(target) && Files.exists(image) && Files.isSameFile(target, image)) {
                throw new Main.UserError("OUT is the input image: " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Copies the disk into {@code file}. The disk is cut into segments that worker threads
     * take in turn, each with its own opened chain ({@code first} for the first worker,
     * {@code more} for the others), so decompression and I/O use every core as QEMU's do.
     * When segments fail, the error of the lowest one is thrown: the same error whatever
     * the timing. {@code first} stays open; the others are closed here.
     */
    private static void write(GuestDisk first, Supplier<GuestDisk> more, Path file) throws IOException {
        long size = first.size();
        long segments = (size + SEGMENT - 1) / SEGMENT;
        int workers = (int) Math.max(1, Math.min(segments, Math.min(MAX_WORKERS,
                Runtime.getRuntime().availableProcessors())));
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            FileChannel ch = raf.getChannel();
            AtomicLong next = new AtomicLong();
            AtomicLong failedSegment = new AtomicLong(Long.MAX_VALUE);
            Throwable[] failure = new Throwable[1];
            Thread[] threads = new Thread[workers];
            for (int w = 0; w < workers; w++) {
                boolean isFirst = w == 0;
                threads[w] = new Thread(() -> {
                    long seg = -1;
                    GuestDisk disk = null;
                    try {
                        disk = isFirst ? first : more.get();
                        ByteBuffer buf = ByteBuffer.allocateDirect((int) Math.min(CHUNK, Math.max(size, 1)));
                        while ((seg = next.getAndIncrement()) < segments && seg < failedSegment.get()) {
                            copy(disk, ch, buf, seg * SEGMENT, Math.min(size, (seg + 1) * SEGMENT));
                        }
                    } catch (Throwable t) {
                        synchronized (failure) {
                            long at = seg < 0 ? -1 : seg; // opening failed: report before any segment
                            if (at < failedSegment.get()) {
                                failedSegment.set(at);
                                failure[0] = t;
                            }
                        }
                    } finally {
                        if (disk != null && !isFirst) {
                            disk.close();
                        }
                    }
                }, "convert-" + w);
                threads[w].start();
            }
            join(threads);
            if (failure[0] != null) {
                throw rethrow(failure[0]);
            }
            raf.setLength(size);
        }
    }

    /** Copies guest bytes {@code [from, to)}: holes are skipped, all-zero blocks left unwritten. */
    private static void copy(GuestDisk disk, FileChannel ch, ByteBuffer buf, long from, long to) throws IOException {
        long pos = from;
        while (pos < to) {
            long hole = disk.holeLength(pos, to - pos);
            if (hole > 0) {
                pos += hole;
                continue;
            }
            int len = (int) Math.min(buf.capacity(), to - pos);
            buf.clear().limit(len);
            disk.read(pos, buf);
            writeNonZero(ch, buf, len, pos);
            pos += len;
        }
    }

    private static void join(Thread[] threads) {
        for (Thread t : threads) {
            boolean interrupted = false;
            while (true) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // the workers finish their segment and stop on their own
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static RuntimeException rethrow(Throwable t) throws IOException {
        if (t instanceof IOException e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return t instanceof RuntimeException r ? r : new IllegalStateException(t);
    }

    /** Writes the runs of {@code buf[0, len)} that are not all zeros, at {@code base} + their offset. */
    private static void writeNonZero(FileChannel ch, ByteBuffer buf, int len, long base) throws IOException {
        int i = 0;
        while (i < len) {
            while (i < len && isZero(buf, i, Math.min(ZERO_BLOCK, len - i))) {
                i += ZERO_BLOCK;
            }
            if (i >= len) {
                return;
            }
            int start = i;
            while (i < len && !isZero(buf, i, Math.min(ZERO_BLOCK, len - i))) {
                i += ZERO_BLOCK;
            }
            int end = Math.min(i, len);
            ByteBuffer run = buf.duplicate().limit(end).position(start);
            long at = base + start;
            while (run.hasRemaining()) {
                at += ch.write(run, at);
            }
        }
    }

    private static boolean isZero(ByteBuffer buf, int from, int n) {
        return buf.slice(from, n).mismatch(ZEROS.slice(0, n)) == -1;
    }
}

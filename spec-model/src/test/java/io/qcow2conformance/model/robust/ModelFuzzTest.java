package io.qcow2conformance.model.robust;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.lifecycle.PropagationMode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Structure-aware fuzzing of the model (docs/robustness.md): golden-corpus seeds, mutated
 * at header fields and at the table entries the model's decoders locate, truncated,
 * extended, with clusters duplicated. Every input must end in a result or an
 * {@code ImageException} within {@link #INPUT_BOUND_SECONDS}; any other exception or error
 * (IndexOutOfBounds, NegativeArraySize, Arithmetic, OutOfMemoryError, NullPointer,
 * IllegalArgument...) fails the property, and jqwik shrinks it to a small mutation list.
 * Four properties of 25,000 tries each make CI's campaign of 100,000 inputs; a longer one:
 * {@code -Dqcow2.fuzz.tries=N -Dqcow2.fuzz.seed=S} ({@link FuzzCampaign}).
 */
@AddLifecycleHook(value = FuzzCampaign.class, propagateTo = PropagationMode.DIRECT_DESCENDANTS)
class ModelFuzzTest {
    /** A bound no valid or hostile small image comes near; it catches hangs, it measures nothing. */
    static final int INPUT_BOUND_SECONDS = 30;
    private static final int CI_TRIES = 25_000;

    private static Path work;
    private static List<Seeds.Seed> seeds;
    private static ExecutorService worker;
    private final Drive drive = new Drive();

    @BeforeContainer
    static void loadSeeds() throws IOException {
        Path shm = Path.of("/dev/shm");
        work = Files.isDirectory(shm) && Files.isWritable(shm)
                ? Files.createTempDirectory(shm, "qcow2-fuzz")
                : Files.createTempDirectory("qcow2-fuzz");
        seeds = Seeds.load(work);
        assertFalse(seeds.isEmpty(), "no seed images under golden-images/");
        worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-input");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        worker.shutdownNow();
        try (Stream<Path> s = Files.walk(work)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Property(tries = CI_TRIES, shrinking = ShrinkingMode.BOUNDED)
    void checkEndsInAReport(@ForAll("inputs") Input input) {
        run(input, "check", drive::check);
    }

    @Property(tries = CI_TRIES, shrinking = ShrinkingMode.BOUNDED)
    void guestReadsEndInDataOrAnImageException(@ForAll("inputs") Input input) {
        run(input, "read", drive::read);
    }

    @Property(tries = CI_TRIES, shrinking = ShrinkingMode.BOUNDED)
    void snapshotTableAndReadsEndInDataOrAnImageException(@ForAll("snapshotInputs") Input input) {
        run(input, "snapshots", drive::snapshots);
    }

    @Property(tries = CI_TRIES, shrinking = ShrinkingMode.BOUNDED)
    void bitmapReadsEndInRangesOrAnImageException(@ForAll("bitmapInputs") Input input) {
        run(input, "bitmaps", drive::bitmaps);
    }

    /** A seed and the mutations applied to it. */
    record Input(Seeds.Seed seed, List<FuzzEdit> mutations) {
    }

    @Provide
    Arbitrary<Input> inputs() {
        return inputs(Arbitraries.of(seeds));
    }

    /** Seeds with snapshots (when QEMU made one) three times in four, any seed else. */
    @Provide
    Arbitrary<Input> snapshotInputs() {
        return inputs(preferring(s -> s.hasSnapshots()));
    }

    /** Seeds with bitmaps (when QEMU made one) three times in four, any seed else. */
    @Provide
    Arbitrary<Input> bitmapInputs() {
        return inputs(preferring(s -> s.hasBitmaps()));
    }

    private static Arbitrary<Seeds.Seed> preferring(Predicate<Seeds.Seed> kind) {
        List<Seeds.Seed> preferred = seeds.stream().filter(kind).toList();
        if (preferred.isEmpty()) {
            return Arbitraries.of(seeds);
        }
        return Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.of(preferred)), Tuple.of(1, Arbitraries.of(seeds)));
    }

    private static Arbitrary<Input> inputs(Arbitrary<Seeds.Seed> seed) {
        return Combinators.combine(seed, FuzzEdit.arbitrary().list().ofMinSize(1).ofMaxSize(4)).as(Input::new);
    }

    /** Writes the mutated image beside its seed's backing files and runs {@code action} on it within the bound. */
    private void run(Input input, String name, Function<Path, String> action) {
        Path file = input.seed().folder().resolve("fuzz-" + name + ".qcow2");
        try {
            Files.write(file, FuzzEdit.apply(input.seed(), input.mutations()));
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + file, e);
        }
        Future<String> f = worker.submit(() -> action.apply(file));
        try {
            Statistics.label(name).collect(f.get(INPUT_BOUND_SECONDS, TimeUnit.SECONDS));
        } catch (TimeoutException | ExecutionException e) {
            keep(file, name);
            rethrow(name, f, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /**
     * Keeps the failing input as {@code target/fuzz-failures/<property>.qcow2} (the last,
     * that is the shrunk, one wins), to become a regression image.
     */
    private static void keep(Path file, String name) {
        try {
            Path dir = Files.createDirectories(Path.of("target", "fuzz-failures"));
            Files.copy(file, dir.resolve(name + ".qcow2"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            // the assertion below still reports the failure
        }
    }

    private static void rethrow(String name, Future<?> f, Exception e) {
        if (e instanceof TimeoutException) {
            f.cancel(true);
            fail(name + " did not end within " + INPUT_BOUND_SECONDS + " s");
        } else {
            Throwable cause = e.getCause();
            if (cause instanceof Error err) {
                throw err; // assertion failures and OutOfMemoryError alike
            }
            throw new AssertionError(name + " threw " + cause, cause);
        }
    }
}

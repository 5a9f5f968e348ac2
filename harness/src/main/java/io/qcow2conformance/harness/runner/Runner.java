package io.qcow2conformance.harness.runner;

import io.qcow2conformance.harness.adapter.Implementation;
import io.qcow2conformance.harness.adapter.ModelAdapter;
import io.qcow2conformance.harness.runner.Manifest.Image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the selected corpus images on each implementation, in parallel on a bounded pool, and
 * compares every verdict with the implementation's entries in the divergence file. An implementation that
 * cannot run here yields skipped results carrying the reason. Each image's own SHA-256 is
 * verified first: a corpus file that does not match its manifest entry is an adapter error for
 * every implementation, never a verdict about them.
 */
public final class Runner {
    /** Called after each result (from pool threads, serialised by the runner). */
    public interface Progress {
        void done(CaseResult result, int completed, int total);
    }

    /**
     * @param threads         pool size (at least 1)
     * @param divergences     the divergence file (default: {@code divergences.json} in the corpus)
     * @param maxGuestBytes   guest reads of larger images are not attempted (the raw content
     *                        goes through a temporary file and is hashed)
     */
    public record Options(Path corpus, Filters filters, int threads, Optional<Path> divergences, long maxGuestBytes) {
        public static final long DEFAULT_MAX_GUEST_BYTES = 1L << 30;

        public Options(Path corpus, Filters filters, int threads, Optional<Path> divergences) {
            this(corpus, filters, threads, divergences, DEFAULT_MAX_GUEST_BYTES);
        }

        Path divergenceFile() {
            return divergences.orElse(corpus.resolve(Expectations.FILE_NAME));
        }
    }

    private Runner() {
    }

    public static RunResult run(Manifest manifest, List<Implementation> impls, Options options, Progress progress) {
        Instant start = Instant.now();
        List<Image> images = manifest.images().stream().filter(options.filters()::selects).toList();
        Map<String, Expectations> expectations = new LinkedHashMap<>();
        List<RunResult.Impl> implInfo = new ArrayList<>();
        for (Implementation impl : impls) {
            Expectations e = Expectations.load(impl.name(), options.divergenceFile());
            expectations.put(impl.name(), e);
            Optional<String> unavailable = impl.unavailableReason();
            implInfo.add(new RunResult.Impl(impl.name(), unavailable.isPresent() ? Optional.empty() : impl.version(),
                    unavailable, unavailable.isPresent() ? java.util.Set.of() : impl.capabilities(), e.source()));
        }
        Map<String, CorpusFiles.Opened> opened = new ConcurrentHashMap<>();
        List<CaseResult> results;
        Path work = createWork();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, options.threads()));
        try {
            List<Future<CaseResult>> futures = new ArrayList<>();
            int total = images.size() * impls.size();
            AtomicInteger completed = new AtomicInteger();
            for (Image image : images) {
                for (int i = 0; i < impls.size(); i++) {
                    Implementation impl = impls.get(i);
                    Optional<String> unavailable = implInfo.get(i).unavailableReason();
                    Expectations e = expectations.get(impl.name());
                    futures.add(pool.submit(() -> {
                        CaseResult r = runOne(image, impl, unavailable, e, options, work, opened);
                        synchronized (progress) {
                            progress.done(r, completed.incrementAndGet(), total);
                        }
                        return r;
                    }));
                }
            }
            results = new ArrayList<>();
            for (Future<CaseResult> f : futures) {
                results.add(f.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("run interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("runner failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
            deleteTree(work);
        }
        Map<String, List<Expectations.Entry>> unused = new LinkedHashMap<>();
        expectations.forEach((impl, e) -> {
            List<Expectations.Entry> stale = e.entries().stream()
                    .filter(entry -> results.stream().noneMatch(r -> r.impl().equals(impl)
                            && r.expectation().filter(entry::equals).isPresent()))
                    .toList();
            if (!stale.isEmpty()) {
                unused.put(impl, stale);
            }
        });
        var info = new RunResult.Info(ModelAdapter.kitVersion(), manifest.manifestVersion(), manifest.sha256(), manifest.kit(),
                implInfo, options.filters().profile(), options.filters().proposals(), start,
                Duration.between(start, Instant.now()));
        return new RunResult(info, results, unused);
    }

    private static CaseResult runOne(Image image, Implementation impl, Optional<String> unavailable, Expectations e,
                                     Options options, Path work, Map<String, CorpusFiles.Opened> opened) {
        long t0 = System.nanoTime();
        Judge.Judgement j;
        CorpusFiles.Opened files = opened.computeIfAbsent(image.id(), id -> CorpusFiles.open(image, options.corpus(), work));
        Optional<String> fault = files.fault();
        if (unavailable.isPresent()) {
            j = new Judge.Judgement(Verdict.SKIPPED, Optional.empty(), impl.name() + " unavailable: " + unavailable.get(),
                    List.of());
        } else if (fault.isPresent()) {
            j = new Judge.Judgement(Verdict.ADAPTER_ERROR, Optional.empty(), fault.get(), List.of());
        } else {
            Implementation judged = impl.forProposals(image.proposals());
            for (Manifest.File f : image.files()) {
                if ("passphrase".equals(f.role())) {
                    judged = judged.withPassphraseFile(files.root().orElseThrow().resolve(f.openedPath()));
                }
            }
            j = Judge.judge(image, judged, files.root().orElseThrow(), work, options.maxGuestBytes());
        }
        Optional<Expectations.Entry> entry = e.entryFor(image);
        return new CaseResult(image.id(), image.area(), impl.name(), j.verdict(), j.kind(), j.detail(), j.steps(),
                entry, Expectations.compare(j.verdict(), j.kind(), entry), (System.nanoTime() - t0) / 1_000_000);
    }

    private static Path createWork() {
        try {
            return Files.createTempDirectory("qcow2-conformance-run");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a temporary folder
        }
    }

    /** SHA-256 of a file as the runner computes it for guest content (hex); an absent file hashes as empty. */
    public static String sha256(Path file) {
        return Judge.sha256Unchecked(file);
    }
}

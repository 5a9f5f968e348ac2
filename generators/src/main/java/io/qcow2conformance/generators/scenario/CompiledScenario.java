package io.qcow2conformance.generators.scenario;

import io.qcow2conformance.generators.image.ExpectedGuest;
import io.qcow2conformance.generators.image.ImageRecipe;
import io.qcow2conformance.model.rules.Rule;
import io.qcow2conformance.model.write.ExtendedL2;
import io.qcow2conformance.model.write.GuestPattern;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A scenario run through the {@link Vocabulary}: the recipe its descriptions build and the
 * claims its expectations make. Compiling checks that the scenario is coherent: exactly one
 * verdict, the verdict's rule among the scenario's {@code @rule} tags, and every content
 * claim true of the pattern the image is written with.
 */
public record CompiledScenario(ScenarioCase scenario, ImageRecipe recipe, List<Claim> claims, Claim verdict) {
    public CompiledScenario {
        claims = List.copyOf(claims);
    }

    public static CompiledScenario compile(ScenarioCase c) {
        ImageRecipe recipe = new ImageRecipe();
        List<Claim> claims = new ArrayList<>();
        for (String step : c.steps()) {
            Optional<Claim> claim;
            try {
                claim = Vocabulary.apply(step, recipe);
            } catch (StepException e) {
                throw new ScenarioException(c.feature(), c.line(), c.id() + ": " + e.getMessage());
            }
            if (claim.isEmpty() && !claims.isEmpty()) {
                throw new ScenarioException(c.feature(), c.line(), c.id() + ": \"" + step
                        + "\" describes the image after an expectation; describe first, then expect");
            }
            claim.ifPresent(claims::add);
        }
        if (!recipe.described()) {
            throw new ScenarioException(c.feature(), c.line(), c.id() + ": the scenario does not describe an image");
        }
        List<Claim> verdicts = claims.stream().filter(CompiledScenario::isVerdict).toList();
        if (verdicts.size() != 1) {
            throw new ScenarioException(c.feature(), c.line(), c.id()
                    + ": a scenario states exactly one verdict (valid, reject, check corruption or open outcome), found "
                    + verdicts.size());
        }
        Claim verdict = verdicts.get(0);
        ruleOf(verdict).ifPresent(r -> {
            if (!c.rules().contains(r)) {
                throw new ScenarioException(c.feature(), c.line(), c.id() + ": cites rule " + r.id()
                        + " but has no @rule:" + r.id() + " tag");
            }
        });
        for (Claim claim : claims) {
            if (claim instanceof Claim.ClusterContent cc && !Arrays.equals(expected(recipe, cc),
                    ExpectedGuest.cluster(recipe, cc.guestCluster()))) {
                throw new ScenarioException(c.feature(), c.line(), c.id() + ": guest cluster " + cc.guestCluster()
                        + " cannot read as " + cc.source() + " given how the image is described");
            }
        }
        for (Claim claim : claims) {
            if (claim instanceof Claim.BitmapUnusable bu) {
                try {
                    recipe.bitmapIndex(bu.name());
                } catch (IllegalArgumentException e) {
                    throw new ScenarioException(c.feature(), c.line(), c.id() + ": " + e.getMessage());
                }
            }
            if (claim instanceof Claim.SubclusterContent sc) {
                checkSubcluster(c, recipe, sc);
            }
        }
        for (Claim claim : claims) {
            if (claim instanceof Claim.BitmapContent bc) {
                int i;
                try {
                    i = recipe.bitmapIndex(bc.name());
                } catch (IllegalArgumentException e) {
                    throw new ScenarioException(c.feature(), c.line(), c.id() + ": " + e.getMessage());
                }
                if (bc.empty() != recipe.bitmaps().get(i).description().ranges(recipe.virtualSize()).isEmpty()) {
                    throw new ScenarioException(c.feature(), c.line(), c.id() + ": bitmap \"" + bc.name() + "\" "
                            + (bc.empty() ? "has bits set" : "has no bit set") + " given how the image is described");
                }
            }
        }
        for (Claim claim : claims) {
            if (claim instanceof Claim.SnapshotContent sc) {
                try {
                    recipe.snapshotIndex(sc.name());
                } catch (IllegalArgumentException e) {
                    throw new ScenarioException(c.feature(), c.line(), c.id() + ": " + e.getMessage());
                }
            }
        }
        return new CompiledScenario(c, recipe, claims, verdict);
    }

    /** The bytes a content claim promises for its cluster. */
    public static byte[] expected(ImageRecipe r, Claim.ClusterContent cc) {
        int cs = r.clusterSize();
        return expected(r, cc.source(), cc.guestCluster() * cs, cc.of() * cs, cs);
    }

    /** The bytes a subcluster claim promises (spec: Extended L2 Entries: 32 subclusters per cluster). */
    public static byte[] expected(ImageRecipe r, Claim.SubclusterContent sc) {
        int len = subclusterSize(r);
        long at = sc.guestCluster() * r.clusterSize() + (long) sc.subcluster() * len;
        return expected(r, sc.source(), at, at, len);
    }

    /** Bytes per subcluster (spec: Extended L2 Entries). */
    public static int subclusterSize(ImageRecipe r) {
        return r.clusterSize() / ExtendedL2.SUBCLUSTERS;
    }

    /** {@code len} bytes at guest offset {@code at} from {@code source}; {@code from}: where own data is copied from. */
    private static byte[] expected(ImageRecipe r, Claim.Source source, long at, long from, int len) {
        byte[] out = new byte[len];
        switch (source) {
            case OWN_DATA, DATA_OF -> GuestPattern.fill(from, ExpectedGuest.layer(r, from / r.clusterSize()), out, 0, len);
            case BACKING_DATA -> GuestPattern.fill(at, ImageRecipe.LAYER_BACKING, out, 0, len);
            default -> { } // zeros
        }
        return out;
    }

    private static void checkSubcluster(ScenarioCase c, ImageRecipe recipe, Claim.SubclusterContent sc) {
        if (!recipe.extendedL2()) {
            throw new ScenarioException(c.feature(), c.line(), c.id()
                    + ": only an image with extended L2 entries has subclusters");
        }
        if (sc.subcluster() >= ExtendedL2.SUBCLUSTERS) {
            throw new ScenarioException(c.feature(), c.line(), c.id() + ": a cluster has subclusters 0 to 31");
        }
        int len = subclusterSize(recipe);
        byte[] cluster = ExpectedGuest.cluster(recipe, sc.guestCluster());
        if (!Arrays.equals(expected(recipe, sc), Arrays.copyOfRange(cluster, sc.subcluster() * len,
                (sc.subcluster() + 1) * len))) {
            throw new ScenarioException(c.feature(), c.line(), c.id() + ": subcluster " + sc.subcluster()
                    + " of guest cluster " + sc.guestCluster() + " cannot read as " + sc.source()
                    + " given how the image is described");
        }
    }

    /** accept, reject, implementation-defined or implementation-limit (manifest {@code outcome}). */
    public String outcome() {
        if (verdict instanceof Claim.Valid) {
            return "accept";
        }
        if (verdict instanceof Claim.Open o) {
            return o.limit() ? "implementation-limit" : "implementation-defined";
        }
        return "reject";
    }

    /** open, read or check, for rejections. */
    public Optional<String> phase() {
        if (verdict instanceof Claim.RejectOpen) {
            return Optional.of("open");
        } else if (verdict instanceof Claim.RejectRead) {
            return Optional.of("read");
        } else if (verdict instanceof Claim.CheckCorruption) {
            return Optional.of("check");
        }
        return Optional.empty();
    }

    public Optional<Rule> brokenRule() {
        return ruleOf(verdict);
    }

    public String profile() {
        return recipe.version() == 2 ? "v2" : "v3";
    }

    private static boolean isVerdict(Claim c) {
        return !(c instanceof Claim.ClusterContent || c instanceof Claim.GuestMatches || c instanceof Claim.BitmapContent
                || c instanceof Claim.BitmapUnusable || c instanceof Claim.SubclusterContent
                || c instanceof Claim.SnapshotContent);
    }

    private static Optional<Rule> ruleOf(Claim c) {
        if (c instanceof Claim.RejectOpen r) {
            return Optional.of(r.rule());
        } else if (c instanceof Claim.RejectRead r) {
            return Optional.of(r.rule());
        } else if (c instanceof Claim.CheckCorruption r) {
            return Optional.of(r.rule());
        }
        return Optional.empty();
    }
}

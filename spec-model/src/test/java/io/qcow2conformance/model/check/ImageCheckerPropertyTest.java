package io.qcow2conformance.model.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qcow2conformance.model.refcount.RefcountDecoder;
import io.qcow2conformance.model.rules.Finding;
import io.qcow2conformance.model.rules.Rule;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Properties of the refcount cross-check on random tiny images built from the spec's
 * layout: a valid image has no findings; changing one stored refcount is reported for
 * exactly that cluster (plus the copied flags that the change makes wrong).
 */
class ImageCheckerPropertyTest {

    /** A random valid image: data, preallocated zero and compressed clusters at random guest offsets. */
    static TinyImage randomImage(int clusterBits, int order, List<Integer> kinds, long seed) {
        TinyImage t = TinyImage.v3(clusterBits, order);
        Random rnd = new Random(seed);
        List<Integer> guests = new ArrayList<>();
        for (int g = 0; g < t.l2Size(); g++) {
            guests.add(g);
        }
        java.util.Collections.shuffle(guests, rnd);
        int sharedHost = -1;
        for (int i = 0; i < kinds.size(); i++) {
            int guest = guests.get(i);
            switch (kinds.get(i)) {
                case 0 -> t.data(guest);
                case 1 -> t.zeroAllocated(guest);
                default -> {
                    if (sharedHost >= 0 && order > 0 && rnd.nextBoolean()) {
                        t.compressed(guest, sharedHost, 256); // a second compressed cluster in the same host cluster
                        sharedHost = -1;
                    } else {
                        sharedHost = t.allocate(0);
                        t.compressed(guest, sharedHost, 0);
                    }
                }
            }
        }
        return t;
    }

    @Property(tries = 60)
    void validImagesHaveNoFindings(@ForAll @IntRange(min = 9, max = 12) int clusterBits,
                                   @ForAll @IntRange(min = 0, max = 6) int order,
                                   @ForAll @Size(max = 12) List<@IntRange(min = 0, max = 2) Integer> kinds,
                                   @ForAll long seed) {
        CheckReport r = ImageCheckerTest.check(randomImage(clusterBits, order, kinds, seed).build());
        assertEquals(List.of(), r.findings());
        assertEquals(CheckReport.Verdict.CLEAN, r.verdict());
    }

    @Property(tries = 100)
    void oneWrongRefcountIsReportedForItsClusterOnly(@ForAll @IntRange(min = 9, max = 12) int clusterBits,
                                                     @ForAll @IntRange(min = 0, max = 6) int order,
                                                     @ForAll @Size(max = 8) List<@IntRange(min = 0, max = 2) Integer> kinds,
                                                     @ForAll long seed) {
        TinyImage t = randomImage(clusterBits, order, kinds, seed);
        Random rnd = new Random(~seed);
        int k = rnd.nextInt(t.clusters());
        long expected = t.refcount(k);
        long max = RefcountDecoder.maxRefcount(order);
        long[] candidates = {0, 1, 2, 3, 17, max};
        long v;
        do {
            v = candidates[rnd.nextInt(candidates.length)];
        } while (v == expected || Long.compareUnsigned(v, max) > 0);
        byte[] b = t.build();
        t.putRefcount(b, k, v);
        CheckReport r = ImageCheckerTest.check(b);

        Rule expectedRule = Long.compareUnsigned(v, expected) < 0 ? Rule.REFCOUNT_TOO_LOW : Rule.REFCOUNT_TOO_HIGH;
        List<Finding> refcountFindings = ImageCheckerTest.of(r, expectedRule);
        assertEquals(1, refcountFindings.size(), r.findings().toString());
        assertTrue(refcountFindings.get(0).message().startsWith("cluster " + k + " ("), refcountFindings.get(0).message());
        String clusterOffset = String.format("cluster 0x%x", k * t.clusterSize);
        for (Finding f : r.findings()) {
            if (f != refcountFindings.get(0)) {
                assertEquals(Rule.MAPPING_COPIED_FLAG, f.rule(), f.toString());
                assertTrue(f.message().contains(clusterOffset), f.message());
            }
        }
    }
}

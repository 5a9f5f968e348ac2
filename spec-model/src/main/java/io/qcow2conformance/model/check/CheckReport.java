package io.qcow2conformance.model.check;

import io.qcow2conformance.model.rules.Finding;
import io.qcow2conformance.model.rules.ImageException;
import io.qcow2conformance.model.rules.Severity;

import java.util.List;

/**
 * The result of checking one image, with the counters of {@code qemu-img check}.
 *
 * @param filename           the image path as given
 * @param findings           every rule violation found, in the order found
 * @param corruptions        findings of severity corruption
 * @param leaks              findings of severity leak (one per leaked cluster)
 * @param checkErrors        things that could not be checked: refcounts that could not be
 *                           read, plus 1 when the check stopped ({@code fatal})
 * @param totalClusters      guest clusters of the virtual disk
 * @param allocatedClusters  guest clusters of the active L1/L2 tables with a host cluster
 *                           (standard, preallocated zero and compressed)
 * @param fragmentedClusters allocated guest clusters not contiguous with the previous one of
 *                           the same L2 table, plus every compressed cluster (as QEMU)
 * @param compressedClusters compressed guest clusters
 * @param imageEndOffset     end of the last host cluster that is referenced or has a refcount
 * @param fatal              why the image could not be checked, or null
 */
public record CheckReport(
        String filename,
        List<Finding> findings,
        long corruptions,
        long leaks,
        long checkErrors,
        long totalClusters,
        long allocatedClusters,
        long fragmentedClusters,
        long compressedClusters,
        long imageEndOffset,
        ImageException fatal) {

    /** How a check ended, most serious first; maps to {@code qemu-img check}'s exit codes 1, 2, 3, 0. */
    public enum Verdict {
        NOT_CHECKED, CORRUPTIONS, LEAKS, CLEAN
    }

    public CheckReport {
        findings = List.copyOf(findings);
    }

    /**
     * Corruptions found outrank check errors: a refcount block that cannot be read because
     * its table entry is broken is itself a corruption that was found (qemu-img check exits
     * 1 there; golden-images/divergences.json). Not checked: a fatal fault, or check errors
     * with nothing else to show for them.
     */
    public Verdict verdict() {
        if (fatal != null) {
            return Verdict.NOT_CHECKED;
        }
        if (corruptions > 0) {
            return Verdict.CORRUPTIONS;
        }
        if (checkErrors > 0) {
            return Verdict.NOT_CHECKED;
        }
        return leaks > 0 ? Verdict.LEAKS : Verdict.CLEAN;
    }

    static long count(List<Finding> findings, Severity severity) {
        return findings.stream().filter(f -> f.severity() == severity).count();
    }
}

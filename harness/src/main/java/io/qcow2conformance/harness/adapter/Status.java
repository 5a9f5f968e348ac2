package io.qcow2conformance.harness.adapter;

/** How one call to an implementation ended. A crash is never a clean rejection. */
public enum Status {
    /** The implementation did what was asked and returned a result. */
    OK,
    /** The implementation refused cleanly (documented non-zero exit, an error message). */
    REJECTED,
    /** It died by a signal or exited in a way its adapter does not document. */
    CRASH,
    /** It did not finish within the timeout and was killed. */
    TIMEOUT,
    /** It cannot express this request (capability missing); reported as skipped. */
    UNSUPPORTED,
    /** The adapter itself failed (program missing, unparseable output). */
    ADAPTER_ERROR;

    public String id() {
        return name().toLowerCase().replace('_', '-');
    }
}

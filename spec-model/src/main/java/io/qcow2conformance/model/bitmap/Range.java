package io.qcow2conformance.model.bitmap;

/** A run of set bits of a bitmap, in guest bytes: {@code [start, start + length)}. */
public record Range(long start, long length) {
}

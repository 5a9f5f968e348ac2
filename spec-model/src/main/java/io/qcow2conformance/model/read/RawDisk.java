package io.qcow2conformance.model.read;

import io.qcow2conformance.model.io.ImageSource;

import java.nio.ByteBuffer;

/**
 * A raw file as a guest disk: its bytes are the guest data. Used for raw backing files; its
 * size is the file's, and a qcow2 overlay that is larger reads zeros past it.
 */
public final class RawDisk implements GuestDisk {
    private final ImageSource source;

    public RawDisk(ImageSource source) {
        this.source = source;
    }

    @Override
    public long size() {
        return source.size();
    }

    @Override
    public void read(long offset, ByteBuffer dst) {
        GuestDisk.checkRange(offset, dst.remaining(), size());
        source.readAvailable(offset, dst);
    }

    @Override
    public long holeLength(long offset, long max) {
        return 0;
    }

    @Override
    public void close() {
        source.close();
    }
}

#!/usr/bin/env python3
"""A minimal qcow2 reader speaking the qcow2-conformance adapter protocol
(docs/adapter-protocol.md). It is a test fixture for the command adapter, written
independently of the Java model from the spec (spec: Header; Cluster mapping).

Subset: versions 2 and 3, uncompressed clusters, no backing file, no encryption,
no external data file, no extended L2 entries, no snapshots. Anything outside the
subset answers exit 69 ("not supported"); a malformed image answers exit 1 with
one line on stderr.
"""
import struct
import sys

REFUSED, UNSUPPORTED = 1, 69
OFFSET_MASK = 0x00FFFFFFFFFFFE00  # spec: Cluster mapping (host offset bits 9-55)
MAX_L1_BYTES = 32 << 20


class Refused(Exception):
    pass


class Unsupported(Exception):
    pass


def header(f):
    raw = f.read(104)
    if len(raw) < 72:
        raise Refused("file shorter than a version 2 header")
    magic, version, backing_offset, _, cluster_bits, size, crypt, l1_size, l1_offset = \
        struct.unpack(">IIQIIQIIQ", raw[:48])
    if magic != 0x514649FB:
        raise Refused("magic 0x%08x at offset 0 is not QFI\\xfb" % magic)
    if version not in (2, 3):
        raise Refused("version %d at offset 4 is not 2 or 3" % version)
    if not 9 <= cluster_bits <= 21:
        raise Refused("cluster_bits %d at offset 20 is out of range" % cluster_bits)
    if backing_offset:
        raise Unsupported("backing files are outside this reader's subset")
    if crypt:
        raise Unsupported("encryption is outside this reader's subset")
    if version == 3:
        if len(raw) < 104:
            raise Refused("file shorter than a version 3 header")
        incompatible = struct.unpack(">Q", raw[72:80])[0]
        unknown = incompatible & ~0x1F
        if unknown:
            raise Refused("unknown incompatible feature bits 0x%x at offset 72" % unknown)
        if incompatible & 0x1C:
            raise Unsupported("incompatible features 0x%x are outside this reader's subset" % incompatible)
    if l1_size * 8 > MAX_L1_BYTES:
        raise Refused("l1_size %d at offset 36 exceeds this reader's limit" % l1_size)
    cluster = 1 << cluster_bits
    if l1_offset % cluster:
        raise Refused("l1_table_offset 0x%x at offset 40 is not cluster aligned" % l1_offset)
    f.seek(l1_offset)
    l1_raw = f.read(l1_size * 8)
    if len(l1_raw) != l1_size * 8:
        raise Refused("L1 table at 0x%x runs past the end of the file" % l1_offset)
    l1 = struct.unpack(">%dQ" % l1_size, l1_raw)
    entries_per_l2 = cluster // 8
    if l1_size * entries_per_l2 * cluster < size:
        raise Refused("l1_size %d does not cover the virtual size %d" % (l1_size, size))
    return version, cluster, size, l1


def read(f, out):
    version, cluster, size, l1 = header(f)
    entries_per_l2 = cluster // 8
    l2_cache = {}
    pos = 0
    while pos < size:
        index = pos // cluster
        l2_offset = l1[index // entries_per_l2] & OFFSET_MASK
        data = None
        if l2_offset:
            if l2_offset not in l2_cache:
                f.seek(l2_offset)
                raw = f.read(cluster)
                if len(raw) != cluster:
                    raise Refused("L2 table at 0x%x runs past the end of the file" % l2_offset)
                l2_cache = {l2_offset: struct.unpack(">%dQ" % entries_per_l2, raw)}
            entry = l2_cache[l2_offset][index % entries_per_l2]
            if entry & (1 << 62):
                raise Unsupported("compressed clusters are outside this reader's subset")
            if version == 3 and entry & 1:
                data = None  # spec: Cluster mapping > zero flag
            elif entry & 1:
                raise Refused("zero flag in a version 2 L2 entry for guest offset %d" % pos)
            elif entry & OFFSET_MASK:
                f.seek(entry & OFFSET_MASK)
                data = f.read(cluster)
                if len(data) != cluster:
                    raise Refused("data cluster at 0x%x runs past the end of the file" % (entry & OFFSET_MASK))
        n = min(cluster, size - pos)
        out.write(data[:n] if data else bytes(n))
        pos += n


def main(argv):
    if len(argv) < 2:
        sys.stderr.write("usage: mini_qcow2.py capabilities|version|open IMAGE|read IMAGE\n")
        return 64
    cmd = argv[1]
    if cmd == "capabilities":
        print('["open", "read-guest"]')
        return 0
    if cmd == "version":
        print("mini_qcow2.py 1")
        return 0
    if cmd not in ("open", "read") or len(argv) != 3:
        sys.stderr.write("%s is not supported by this reader\n" % cmd)
        return UNSUPPORTED
    try:
        with open(argv[2], "rb") as f:
            if cmd == "open":
                header(f)
            else:
                read(f, sys.stdout.buffer)
                sys.stdout.buffer.flush()
        return 0
    except Refused as e:
        sys.stderr.write("%s\n" % e)
        return REFUSED
    except Unsupported as e:
        sys.stderr.write("%s\n" % e)
        return UNSUPPORTED
    except OSError as e:
        sys.stderr.write("%s\n" % e)
        return REFUSED


if __name__ == "__main__":
    sys.exit(main(sys.argv))

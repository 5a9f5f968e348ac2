@area:snapshot
Feature: Internal snapshots
  An internal snapshot keeps a copy of the active L1 table; the clusters it reaches are
  shared with the active image until the guest rewrites them, so their refcounts count
  every table that points at them and the active image's entries lose the copied flag
  (spec: Snapshots; Cluster mapping). A directory of snapshots, the snapshot table, is one
  contiguous area named by nb_snapshots and snapshots_offset; each entry has a fixed part,
  extra data, an ID and a name, padded to a multiple of 8 bytes (spec: Snapshots > Snapshot
  table entry). In these images the data written after a snapshot uses another pattern
  layer, so a reader that mixes up the snapshot and the active image is caught; entries
  store no VM state and zero date and clock fields, with 24 bytes of extra data as QEMU
  7.2 writes them unless a step says otherwise.

  @id:snap-one @rule:snapshot.table.in-file @rule:snapshot.entry.in-file @rule:snapshot.entry.l1_table_offset.aligned @rule:mapping.copied-flag @must
  Scenario: One snapshot shares the clusters the active image has not rewritten since
    Guest clusters 0 and 2 are unchanged since the snapshot: the snapshot and the active
    image share their host clusters (refcount 2, no copied flag in the active L2 table).
    Guest cluster 1 is rewritten after the snapshot, into a new host cluster, and guest
    cluster 3 is written only afterwards, so the snapshot reads it as zeros.

    Given a version 3 image with 512-byte clusters and a 16 KiB virtual disk
    And guest clusters 0 to 2 hold data
    And a snapshot "before" is taken
    And guest cluster 1 holds data
    And guest cluster 3 holds data
    Then the image is valid
    And reading guest cluster 0 returns its data
    And reading guest cluster 1 returns its data
    And reading guest cluster 3 returns its data
    And snapshot "before" reads as the guest content when it was taken
    And the guest content matches the pattern

  @id:snap-two @rule:snapshot.table.in-file @rule:snapshot.entry.in-file @rule:snapshot.entry.l1_table_offset.aligned @rule:mapping.copied-flag @must
  Scenario: Two snapshots, each reading as the disk was when it was taken
    Guest cluster 0 is shared by both snapshots and the active image (refcount 3); guest
    cluster 1 has three versions, one per table; guest cluster 2 becomes a zero cluster and
    guest cluster 3 a zero cluster over a preallocated host cluster after the snapshots.

    Given a version 3 image with 512-byte clusters and a 16 KiB virtual disk
    And guest clusters 0 to 3 hold data
    And a snapshot "first" is taken
    And guest cluster 1 holds data
    And guest cluster 2 is a zero cluster
    And a snapshot "second" is taken
    And guest cluster 1 holds data
    And guest cluster 3 is a zero cluster with a preallocated host cluster
    And guest cluster 5 holds data
    Then the image is valid
    And reading guest cluster 2 returns zeros
    And reading guest cluster 3 returns zeros
    And snapshot "first" reads as the guest content when it was taken
    And snapshot "second" reads as the guest content when it was taken
    And the guest content matches the pattern

  @id:snap-compressed @rule:mapping.compressed.data @rule:snapshot.entry.l1_table_offset.aligned @rule:mapping.copied-flag @must
  Scenario Outline: Compressed clusters in a snapshot's own L2 table (<id>)
    A snapshot's L2 table maps compressed clusters with the same descriptors as the active
    image's (spec: Cluster mapping > Compressed Clusters Descriptor). Guest cluster 1 stays
    compressed and untouched: the snapshot and the active image point at one compressed run,
    whose host cluster counts both tables. Guest cluster 2 is rewritten as a standard cluster
    and guest cluster 3 compressed again after the snapshot, so the snapshot alone keeps their
    first compressed versions, in its own L2 table (it differs from the active one), and a
    reader that ignores the compressed bit of a snapshot's entry, or reads the active image's
    cluster instead, is caught. Compressed descriptors never carry the copied flag.

    Given a version 3 image with 512-byte clusters and a 16 KiB virtual disk
    And guest cluster 0 holds data
    And guest cluster 1 is compressed with <compression>
    And guest cluster 2 is compressed with <compression>
    And guest cluster 3 is compressed with <compression>
    And a snapshot "compressed" is taken
    And guest cluster 2 holds data
    And guest cluster 3 is compressed with <compression>
    And guest cluster 5 is compressed with <compression>
    Then the image is valid
    And reading guest cluster 1 returns its data
    And reading guest cluster 2 returns its data
    And reading guest cluster 3 returns its data
    And snapshot "compressed" reads as the guest content when it was taken
    And the guest content matches the pattern

    Examples:
      | id              | compression                  |
      | deflate         | deflate                      |
      | zstd-odd-offset | zstd at an odd host offset   |

  @id:snap-shared-clusters @rule:mapping.copied-flag @rule:snapshot.entry.l1_table_offset.aligned @must
  Scenario: Two guest clusters on one host cluster, in a snapshot and in the active image
    Guest cluster 4 shares the host cluster of guest cluster 1 and guest cluster 5 that of
    guest cluster 0 (spec: Host cluster management): every L2 entry of every table that
    reaches a host cluster counts in its refcount, none of them with the copied flag. Guest
    cluster 1 is rewritten after the snapshot into a new host cluster, which guest cluster 4
    of the active image now shares; the snapshot's guest clusters 1 and 4 keep the first
    version. Guest cluster 0's host cluster counts four references (two entries in each of
    two tables).

    Given a version 3 image with 512-byte clusters and a 16 KiB virtual disk
    And guest clusters 0 to 1 hold data
    And guest cluster 4 shares the host cluster of guest cluster 1
    And guest cluster 6 shares the host cluster of guest cluster 0
    And a snapshot "shared" is taken
    And guest cluster 1 holds data
    And guest cluster 5 shares the host cluster of guest cluster 0
    Then the image is valid
    And reading guest cluster 4 returns the data of guest cluster 1
    And reading guest cluster 5 returns the data of guest cluster 0
    And reading guest cluster 6 returns the data of guest cluster 0
    And snapshot "shared" reads as the guest content when it was taken
    And the guest content matches the pattern

  @id:snap-extended-l2 @rule:mapping.extended-l2.bitmap.valid @rule:snapshot.entry.l1_table_offset.aligned @must
  Scenario: A snapshot's own L2 table keeps the subcluster bitmaps of its clusters
    With extended L2 entries a snapshot's L2 tables have 16-byte entries too, each with the
    subcluster bitmap of the cluster when the snapshot was taken (spec: Extended L2 Entries;
    Snapshots). Guest cluster 0 had subclusters 0 to 3 allocated and 8 to 9 zero before the
    guest rewrote it whole; guest cluster 2 had subcluster 1 alone. Every host cluster holds
    the pattern in all its subclusters, so a reader that ignores the snapshot's bitmaps, or
    takes the active image's, reads the wrong bytes. Guest cluster 1 is shared.

    Given a version 3 image with 16 KiB clusters and a 64 KiB virtual disk
    And the image uses extended L2 entries
    And subclusters 0 to 3 of guest cluster 0 hold data
    And subclusters 8 to 9 of guest cluster 0 are zero
    And guest cluster 1 holds data
    And subcluster 1 of guest cluster 2 holds data
    And a snapshot "subclusters" is taken
    And guest cluster 0 holds data
    And guest cluster 3 holds data
    Then the image is valid
    And reading subcluster 8 of guest cluster 0 returns its data
    And reading subcluster 0 of guest cluster 2 returns zeros
    And reading subcluster 1 of guest cluster 2 returns its data
    And snapshot "subclusters" reads as the guest content when it was taken
    And the guest content matches the pattern

  @id:snap-luks @rule:snapshot.entry.l1_table_offset.aligned @rule:mapping.copied-flag @must
  Scenario: Snapshots of a LUKS-encrypted image
    A snapshot's own data clusters are encrypted with the image's key like the active
    image's (spec: Data encryption): LUKS takes the IVs from the host sector, so the
    snapshot's first version of guest cluster 1 decrypts only with its own host offset.
    Guest cluster 0 is shared by both snapshots and the active image; guest cluster 3 is a
    zero cluster over a preallocated host cluster that only the first snapshot still maps.
    With the passphrase, each table reads as described.

    Given a version 3 image with 512-byte clusters and a 16 KiB virtual disk
    And the image is encrypted with LUKS using the passphrase "snapshots"
    And the LUKS cipher is aes in mode "cbc-essiv:sha256" with a 16-byte key
    And guest clusters 0 to 2 hold data
    And guest cluster 3 is a zero cluster with a preallocated host cluster
    And a snapshot "first" is taken
    And guest cluster 1 holds data
    And guest cluster 3 is a zero cluster
    And a snapshot "second" is taken
    And guest cluster 2 holds data
    Then the image is valid
    And reading guest cluster 1 returns its data
    And reading guest cluster 3 returns zeros
    And snapshot "first" reads as the guest content when it was taken
    And snapshot "second" reads as the guest content when it was taken
    And the guest content matches the pattern

  @id:snap-aes @rule:snapshot.entry.l1_table_offset.aligned @rule:mapping.copied-flag @must
  Scenario: A snapshot of an image encrypted with legacy AES
    Legacy AES takes the IVs from the guest sector (spec: Data encryption), so both
    versions of guest cluster 1, the snapshot's and the active image's, are encrypted with
    the same IVs; only the right table gives the right layer.

    Given a version 3 image with 512-byte clusters and a 16 KiB virtual disk
    And the image is encrypted with AES using the passphrase "snapshots"
    And guest clusters 0 to 1 hold data
    And a snapshot "before" is taken
    And guest cluster 1 holds data
    Then the image is valid
    And reading guest cluster 1 returns its data
    And snapshot "before" reads as the guest content when it was taken
    And the guest content matches the pattern

  @id:snap-extra-data @rule:snapshot.entry.extra_data.version-3-min @must
  Scenario Outline: Extra data of <bytes> bytes in a version <version> image (<id>)
    Extra data holds, in order, the 64-bit VM state size, the snapshot's virtual disk size
    and the icount value; a field is present when the extra data reaches its end, and
    readers skip what they do not know (here bytes of 0xa5 after the known fields). Version
    3 needs at least the virtual disk size; version 2 may have no extra data at all.

    Given a version <version> image with 512-byte clusters and a 16 KiB virtual disk
    And guest clusters 0 to 1 hold data
    And a snapshot "s" is taken
    And snapshot "s" has <bytes> bytes of extra data
    And guest cluster 0 holds data
    Then the image is valid
    And snapshot "s" reads as the guest content when it was taken
    And the guest content matches the pattern

    Examples:
      | id             | version | bytes |
      | v2-none        | 2       | 0     |
      | v2-qemu        | 2       | 24    |
      | v3-disk-size   | 3       | 16    |
      | v3-qemu        | 3       | 24    |
      | v3-unknown     | 3       | 40    |
      | v3-unknown-max | 3       | 1024  |

  @id:snap-own-virtual-size @rule:snapshot.entry.l1_size.covers-virtual-size @should
  Scenario Outline: A snapshot whose virtual disk is <id> than the active image's
    The disk was resized after the snapshot: the snapshot keeps its own size in its extra
    data, and its L1 table covers that size. Reading the snapshot gives exactly that many
    bytes.

    Given a version 3 image with 512-byte clusters and a 16 KiB virtual disk
    And guest clusters 0 to 1 hold data
    And a snapshot "resized" is taken
    And snapshot "resized" has a <size> virtual disk
    And guest cluster 1 holds data
    And guest cluster 20 holds data
    Then the image is valid
    And snapshot "resized" reads as the guest content when it was taken
    And the guest content matches the pattern

    Examples:
      | id      | size   |
      | smaller | 8 KiB  |
      | larger  | 64 KiB |

  @id:snap-table-past-eof @rule:snapshot.table.in-file @must
  Scenario: The snapshot table starts at the end of the file
    Given a version 3 image with 512-byte clusters and a 16 KiB virtual disk
    And guest clusters 0 to 1 hold data
    And a snapshot "s" is taken
    And header field "snapshots_offset" is set to the end of the file
    Then a check must report corruption, citing rule "snapshot.table.in-file"

  @id:snap-table-unaligned @rule:header.snapshots_offset.aligned @must
  Scenario: The snapshot table offset of an image with a snapshot is not cluster aligned
    Given a version 3 image with 512-byte clusters and a 16 KiB virtual disk
    And guest clusters 0 to 1 hold data
    And a snapshot "s" is taken
    And header field "snapshots_offset" is increased by 8
    Then a check must report corruption, citing rule "header.snapshots_offset.aligned"

  @id:snap-entry-past-eof @rule:snapshot.entry.in-file @must
  Scenario: A snapshot's name reaches past the end of the file
    The snapshot table is the last cluster of the file; a name length of 65535 makes the
    entry run past it.

    Given a version 3 image with 512-byte clusters and a 16 KiB virtual disk
    And guest clusters 0 to 1 hold data
    And a snapshot "s" is taken
    And field "name_size" of the table entry of snapshot "s" is set to 65535
    Then a check must report corruption, citing rule "snapshot.entry.in-file"

  @id:snap-l1-unaligned @rule:snapshot.entry.l1_table_offset.aligned @must
  Scenario: A snapshot's L1 table offset is not cluster aligned
    Given a version 3 image with 512-byte clusters and a 16 KiB virtual disk
    And guest clusters 0 to 1 hold data
    And a snapshot "s" is taken
    And guest cluster 1 holds data
    And field "l1_table_offset" of the table entry of snapshot "s" is increased by 8
    Then a check must report corruption, citing rule "snapshot.entry.l1_table_offset.aligned"

  @id:snap-v3-short-extra-data @rule:snapshot.entry.extra_data.version-3-min @must
  Scenario Outline: A version 3 snapshot with <bytes> bytes of extra data lacks its virtual disk size
    Given a version 3 image with 512-byte clusters and a 16 KiB virtual disk
    And guest clusters 0 to 1 hold data
    And a snapshot "s" is taken
    And snapshot "s" has <bytes> bytes of extra data
    Then a check must report corruption, citing rule "snapshot.entry.extra_data.version-3-min"

    Examples:
      | id    | bytes |
      | none  | 0     |
      | eight | 8     |

  @id:snap-shared-refcount-too-low @rule:refcount.count.too-low @must
  Scenario: A cluster shared with a snapshot has refcount 1
    The snapshot's L2 table references the host cluster too: the refcount must count it.

    Given a version 3 image with 512-byte clusters and a 16 KiB virtual disk
    And guest clusters 0 to 1 hold data
    And a snapshot "s" is taken
    And guest cluster 1 holds data
    And the refcount of the host cluster of guest cluster 0 is set to 1
    Then a check must report corruption, citing rule "refcount.count.too-low"

  @id:snap-shared-copied-flag @rule:mapping.copied-flag @must
  Scenario: The active L2 entry of a cluster shared with a snapshot has the copied flag
    A writer that trusted the flag would overwrite the snapshot's data in place.

    Given a version 3 image with 512-byte clusters and a 16 KiB virtual disk
    And guest clusters 0 to 1 hold data
    And a snapshot "s" is taken
    And guest cluster 1 holds data
    And bit 63 of the L2 entry for guest cluster 0 is set
    Then a check must report corruption, citing rule "mapping.copied-flag"

  @id:snap-structure-refcount-zero @rule:refcount.count.too-low @must
  Scenario Outline: A snapshot structure with refcount 0 (<structure>)
    Given a version 3 image with 512-byte clusters and a 16 KiB virtual disk
    And guest clusters 0 to 1 hold data
    And a snapshot "s" is taken
    And the refcount of <structure> is set to 0
    Then a check must report corruption, citing rule "refcount.count.too-low"

    Examples:
      | id       | structure                  |
      | table    | the snapshot table         |
      | l1-table | the L1 table of snapshot "s" |

  @id:snap-extra-data-over-limit @rule:snapshot.entry.extra_data_size.max-qemu @implementation-limit
  Scenario: A snapshot with more than 1024 bytes of extra data
    The spec sets no bound; QEMU refuses entries with more than 1024 bytes of extra data.

    Given a version 3 image with 512-byte clusters and a 16 KiB virtual disk
    And guest clusters 0 to 1 hold data
    And a snapshot "s" is taken
    And snapshot "s" has 1032 bytes of extra data
    Then the outcome is an implementation limit: a reader may accept or reject the image, but must never return guest data other than the pattern
    And snapshot "s" reads as the guest content when it was taken

  @id:snap-count-over-limit @rule:snapshot.table.nb_snapshots.max-qemu @implementation-limit
  Scenario: An image with 65537 snapshots
    The spec sets no bound on nb_snapshots; QEMU refuses more than 65536 snapshots. Every
    snapshot captured guest cluster 0 and shares the active image's L2 table, so that cluster
    and that table are referenced by 65538 L1 tables: the refcounts are 32 bits wide. Each
    snapshot has its own one-cluster L1 table and an entry of 72 or 80 bytes (named by its
    ID): the table is about 5 MiB, far below QEMU's table size limit.

    Given a version 3 image with 512-byte clusters and a 1 KiB virtual disk
    And refcounts are 32 bits wide
    And guest cluster 0 holds data
    And 65537 snapshots are taken
    Then the outcome is an implementation limit: a reader may accept or reject the image, but must never return guest data other than the pattern
    And the guest content matches the pattern

  @id:snap-table-size-over-limit @rule:snapshot.table.size.max-qemu @implementation-limit
  Scenario: A snapshot table just over 64 MiB
    The spec sets no bound on the table's size; QEMU refuses a table over 64 MiB. Each of the
    1023 snapshots has a name of 65535 bytes (the most name_size holds), so its entry takes
    65600 or 65608 bytes with its 24 bytes of extra data and padding; the 1023rd entry takes
    the table past 64 MiB (67116912 bytes, 67116907 without the last entry's padding), the
    1022nd does not.

    Given a version 3 image with 512-byte clusters and a 1 KiB virtual disk
    And guest cluster 0 holds data
    And 1023 snapshots with 65535-byte names are taken
    Then the outcome is an implementation limit: a reader may accept or reject the image, but must never return guest data other than the pattern
    And the guest content matches the pattern

  @id:snap-l1-over-limit @rule:snapshot.entry.l1_size.max-qemu @implementation-limit
  Scenario: A snapshot whose L1 table is one entry over 32 MiB
    The snapshot's own virtual disk is 128 GiB and one cluster: with 512-byte clusters an L2
    table maps 32 KiB, so its L1 table needs 4194305 entries, one more than QEMU's 32 MiB
    limit holds. Its first entry shares the active image's L2 table (guest cluster 0, written
    before the snapshot); the rest are zero. QEMU opens the image and reads the active disk;
    only a use of the snapshot (or a check) meets the limit.

    Given a version 3 image with 512-byte clusters and a 1 KiB virtual disk
    And guest cluster 0 holds data
    And a snapshot "big" is taken
    And snapshot "big" has a 137438953984-byte virtual disk
    And guest cluster 1 holds data
    Then the outcome is an implementation limit: a reader may accept or reject the image, but must never return guest data other than the pattern
    And the guest content matches the pattern

  @id:snap-id-duplicate @rule:snapshot.entry.id.unique @should
  Scenario: Two snapshots with the same ID
    IDs should be unique; a reader that looks snapshots up by name still finds each one.

    Given a version 3 image with 512-byte clusters and a 16 KiB virtual disk
    And guest clusters 0 to 1 hold data
    And a snapshot "a" is taken
    And guest cluster 1 holds data
    And a snapshot "b" is taken
    And snapshot "b" has the ID "1"
    And guest cluster 0 holds data
    Then the image is valid
    And snapshot "a" reads as the guest content when it was taken
    And snapshot "b" reads as the guest content when it was taken

  @id:snap-l1-short @rule:snapshot.entry.l1_size.covers-virtual-size @should
  Scenario: A snapshot's L1 table does not cover its whole virtual disk
    The snapshot's 64 KiB disk needs two L1 entries; l1_size says one. Nothing was written
    in the part the missing entry maps, so reading it as unallocated gives the same content.

    Given a version 3 image with 512-byte clusters and a 16 KiB virtual disk
    And guest clusters 0 to 1 hold data
    And a snapshot "s" is taken
    And snapshot "s" has a 64 KiB virtual disk
    And guest cluster 1 holds data
    And field "l1_size" of the table entry of snapshot "s" is set to 1
    Then the image is valid
    And snapshot "s" reads as the guest content when it was taken

  @id:snap-with-external-data-file @rule:snapshot.table.external-data-file @must
  Scenario: An image with an external data file cannot have internal snapshots
    Guest data in an external data file sits at its guest offset, so there is nowhere to
    keep a snapshot's own version of a cluster: the spec forbids snapshots in such images.
    The image has a snapshot and no allocated data cluster (its only described cluster is a
    zero cluster, and the data file is not named), so the data file bit breaks nothing else.

    Given a version 3 image with 512-byte clusters and an 8 KiB virtual disk
    And guest cluster 1 is a zero cluster
    And a snapshot "s" is taken
    And bit 2 of header field "incompatible_features" is set
    Then a check must report corruption, citing rule "snapshot.table.external-data-file"

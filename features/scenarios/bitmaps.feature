@area:bitmaps
Feature: Persistent bitmaps
  A version 3 image may carry dirty bitmaps: the bitmaps extension points to a directory of
  entries, each naming a bitmap, its granularity and a bitmap table whose entries point to
  clusters of bitmap data, one bit per granule of the virtual disk (spec: Bitmaps, Bitmap
  directory, Bitmap table, Bitmap data). Autoclear bit 0 says the bitmaps are consistent.
  A reader that does not use bitmaps can still read the guest; the faults below are what a
  consistency check must find.

  @id:bmp-ranges-read-as-written @rule:bitmaps.directory.count-matches-nb_bitmaps @rule:bitmaps.directory.size-matches-entries @must
  Scenario: Two bitmaps read back as the guest ranges set in them
    Every granule a set range touches is set; clusters of the bitmap with no set bit are
    unallocated table entries that read as zeros (spec: Bitmaps > Bitmap table).
    Given a version 3 image with 4 KiB clusters and a 1 MiB virtual disk
    And guest clusters 0 to 3 hold data
    And the image has a bitmap "b0" with a granularity of 64 KiB
    And bitmap "b0" has 4 KiB set at guest offset 0
    And bitmap "b0" has 100 KiB set at guest offset 520 KiB
    And the image has a bitmap "second bitmap" with a granularity of 4 KiB
    And bitmap "second bitmap" has 512 bytes set at guest offset 1020 KiB
    And the image has a bitmap "unused" with a granularity of 64 KiB
    Then the image is valid
    And bitmap "b0" reads as the ranges set in it
    And bitmap "second bitmap" reads as the ranges set in it
    And bitmap "unused" reads as empty
    And the guest content matches the pattern

  @id:bmp-all-ones-entry @rule:bitmaps.table.entry.reserved @must
  Scenario: An unallocated bitmap table entry with bit 0 set reads as all ones
    Bit 0 of a table entry without an offset says every bit of that cluster is set (spec:
    Bitmaps > Bitmap table); it is not a reserved bit there.
    Given a version 3 image with 512-byte clusters and a 4 MiB virtual disk
    And guest cluster 0 holds data
    And the image has a bitmap "b0" with a granularity of 512 bytes
    And bitmap "b0" has 1 KiB set at guest offset 0
    And bitmap "b0" has 2 MiB set at guest offset 2 MiB
    And bitmap "b0" stores data clusters whose bits are all set as all-ones table entries
    Then the image is valid
    And bitmap "b0" reads as the ranges set in it

  @id:bmp-entry-overruns-directory @rule:bitmaps.directory.entry.in-directory @must
  Scenario: A directory entry whose extra data runs past the end of the directory
    Given a version 3 image with 4 KiB clusters and a 1 MiB virtual disk
    And guest cluster 0 holds data
    And the image has a bitmap "b0" with a granularity of 64 KiB
    And bitmap "b0" has 4 KiB set at guest offset 0
    And field "extra_data_size" of the directory entry of bitmap "b0" is set to 4096
    Then a check must report corruption, citing rule "bitmaps.directory.entry.in-directory"

  @id:bmp-directory-size-too-large @rule:bitmaps.directory.size-matches-entries @must
  Scenario: The directory size leaves bytes after the last entry
    Given a version 3 image with 4 KiB clusters and a 1 MiB virtual disk
    And guest cluster 0 holds data
    And the image has a bitmap "b0" with a granularity of 64 KiB
    And bitmap "b0" has 4 KiB set at guest offset 0
    And field "bitmap_directory_size" of the bitmaps extension is increased by 8
    Then a check must report corruption, citing rule "bitmaps.directory.size-matches-entries"

  @id:bmp-count-mismatch @rule:bitmaps.directory.count-matches-nb_bitmaps @must
  Scenario: nb_bitmaps counts more bitmaps than the directory holds
    Given a version 3 image with 4 KiB clusters and a 1 MiB virtual disk
    And guest cluster 0 holds data
    And the image has a bitmap "b0" with a granularity of 64 KiB
    And bitmap "b0" has 4 KiB set at guest offset 0
    And field "nb_bitmaps" of the bitmaps extension is set to 2
    Then a check must report corruption, citing rule "bitmaps.directory.count-matches-nb_bitmaps"

  @id:bmp-directory-size-zero @rule:extensions.bitmaps.directory_size.min @must
  Scenario: A bitmaps extension with a directory of 0 bytes
    Given a version 3 image with 4 KiB clusters and a 1 MiB virtual disk
    And guest cluster 0 holds data
    And the image has a bitmap "b0" with a granularity of 64 KiB
    And bitmap "b0" has 4 KiB set at guest offset 0
    And field "bitmap_directory_size" of the bitmaps extension is set to 0
    Then a check must report corruption, citing rule "extensions.bitmaps.directory_size.min"

  @id:bmp-name-empty @rule:bitmaps.directory.name_size.non-zero @must
  Scenario: A bitmap with an empty name
    Given a version 3 image with 4 KiB clusters and a 1 MiB virtual disk
    And guest cluster 0 holds data
    And the image has a bitmap "b0" with a granularity of 64 KiB
    And bitmap "b0" has 4 KiB set at guest offset 0
    And field "name_size" of the directory entry of bitmap "b0" is set to 0
    Then a check must report corruption, citing rule "bitmaps.directory.name_size.non-zero"

  @id:bmp-name-duplicate @rule:bitmaps.directory.name.unique @must
  Scenario: Two bitmaps with the same name
    The second name's last byte (byte 25 of its entry: names start at byte 24) becomes "1".
    Given a version 3 image with 4 KiB clusters and a 1 MiB virtual disk
    And guest cluster 0 holds data
    And the image has a bitmap "b0" with a granularity of 64 KiB
    And bitmap "b0" has 4 KiB set at guest offset 0
    And the image has a bitmap "b1" with a granularity of 64 KiB
    And byte 25 of the directory entry of bitmap "b1" is set to 0x30
    Then a check must report corruption, citing rule "bitmaps.directory.name.unique"

  @id:bmp-type-unknown @rule:bitmaps.directory.type.dirty-tracking @must
  Scenario: A bitmap of an unknown type
    Given a version 3 image with 4 KiB clusters and a 1 MiB virtual disk
    And guest cluster 0 holds data
    And the image has a bitmap "b0" with a granularity of 64 KiB
    And bitmap "b0" has 4 KiB set at guest offset 0
    And field "type" of the directory entry of bitmap "b0" is set to 2
    Then a check must report corruption, citing rule "bitmaps.directory.type.dirty-tracking"

  @id:bmp-granularity-64 @rule:bitmaps.directory.granularity_bits.max-63 @must
  Scenario: A granularity of 2^64 bytes
    Given a version 3 image with 4 KiB clusters and a 1 MiB virtual disk
    And guest cluster 0 holds data
    And the image has a bitmap "b0" with a granularity of 64 KiB
    And bitmap "b0" has 4 KiB set at guest offset 0
    And field "granularity_bits" of the directory entry of bitmap "b0" is set to 64
    Then a check must report corruption, citing rule "bitmaps.directory.granularity_bits.max-63"

  @id:bmp-flags-reserved @rule:bitmaps.directory.flags.reserved @must
  Scenario: A reserved bit of the directory entry flags is set
    Given a version 3 image with 4 KiB clusters and a 1 MiB virtual disk
    And guest cluster 0 holds data
    And the image has a bitmap "b0" with a granularity of 64 KiB
    And bitmap "b0" has 4 KiB set at guest offset 0
    And field "flags" of the directory entry of bitmap "b0" is set to 0x0a
    Then a check must report corruption, citing rule "bitmaps.directory.flags.reserved"

  @id:bmp-padding-nonzero @rule:bitmaps.directory.padding.zero @must
  Scenario: A non-zero byte in the padding after a bitmap's name
    The name "b0" ends at byte 26 of its 32-byte entry; bytes 26 to 31 are padding.
    Given a version 3 image with 4 KiB clusters and a 1 MiB virtual disk
    And guest cluster 0 holds data
    And the image has a bitmap "b0" with a granularity of 64 KiB
    And bitmap "b0" has 4 KiB set at guest offset 0
    And byte 31 of the directory entry of bitmap "b0" is set to 1
    Then a check must report corruption, citing rule "bitmaps.directory.padding.zero"

  @id:bmp-table-offset-unaligned @rule:bitmaps.directory.bitmap_table_offset.aligned @must
  Scenario: A bitmap table that does not start on a cluster boundary
    Given a version 3 image with 4 KiB clusters and a 1 MiB virtual disk
    And guest cluster 0 holds data
    And the image has a bitmap "b0" with a granularity of 64 KiB
    And bitmap "b0" has 4 KiB set at guest offset 0
    And field "bitmap_table_offset" of the directory entry of bitmap "b0" is increased by 512
    Then a check must report corruption, citing rule "bitmaps.directory.bitmap_table_offset.aligned"

  @id:bmp-table-size-short @rule:bitmaps.directory.bitmap_table_size.covers-disk @must
  Scenario: A bitmap table too small to cover the virtual disk
    Given a version 3 image with 4 KiB clusters and a 1 MiB virtual disk
    And guest cluster 0 holds data
    And the image has a bitmap "b0" with a granularity of 64 KiB
    And bitmap "b0" has 4 KiB set at guest offset 0
    And field "bitmap_table_size" of the directory entry of bitmap "b0" is set to 0
    Then a check must report corruption, citing rule "bitmaps.directory.bitmap_table_size.covers-disk"

  @id:bmp-table-past-eof @rule:bitmaps.table.in-file @must
  Scenario: A bitmap table that starts at the end of the file
    Given a version 3 image with 4 KiB clusters and a 1 MiB virtual disk
    And guest cluster 0 holds data
    And the image has a bitmap "b0" with a granularity of 64 KiB
    And bitmap "b0" has 4 KiB set at guest offset 0
    And field "bitmap_table_offset" of the directory entry of bitmap "b0" is set to the end of the file
    Then a check must report corruption, citing rule "bitmaps.table.in-file"

  @id:bmp-table-entry-reserved @rule:bitmaps.table.entry.reserved @must
  Scenario: A reserved bit of a bitmap table entry is set
    Given a version 3 image with 4 KiB clusters and a 1 MiB virtual disk
    And guest cluster 0 holds data
    And the image has a bitmap "b0" with a granularity of 64 KiB
    And bitmap "b0" has 4 KiB set at guest offset 0
    And bit 1 of bitmap table entry 0 of bitmap "b0" is set
    Then a check must report corruption, citing rule "bitmaps.table.entry.reserved"

  @id:bmp-table-entry-unaligned @rule:bitmaps.table.entry.aligned @must
  Scenario: A bitmap data cluster offset that is not cluster aligned
    Given a version 3 image with 4 KiB clusters and a 1 MiB virtual disk
    And guest cluster 0 holds data
    And the image has a bitmap "b0" with a granularity of 64 KiB
    And bitmap "b0" has 4 KiB set at guest offset 0
    And bitmap table entry 0 of bitmap "b0" is increased by 512
    Then a check must report corruption, citing rule "bitmaps.table.entry.aligned"

  @id:bmp-data-past-eof @rule:bitmaps.data.in-file @must
  Scenario: A bitmap data cluster at the end of the file
    Given a version 3 image with 4 KiB clusters and a 1 MiB virtual disk
    And guest cluster 0 holds data
    And the image has a bitmap "b0" with a granularity of 64 KiB
    And bitmap "b0" has 4 KiB set at guest offset 0
    And bitmap table entry 0 of bitmap "b0" is set to the end of the file
    Then a check must report corruption, citing rule "bitmaps.data.in-file"

  @id:bmp-tail-bits-set @rule:bitmaps.data.tail-bits.zero @must
  Scenario: Bits past the end of the bitmap are set in its last data cluster
    A 1 MiB disk at 64 KiB per bit needs 16 bits: the rest of the data cluster must be zero.
    Given a version 3 image with 4 KiB clusters and a 1 MiB virtual disk
    And guest cluster 0 holds data
    And the image has a bitmap "b0" with a granularity of 64 KiB
    And bitmap "b0" has 4 KiB set at guest offset 0
    And the last byte of data cluster 0 of bitmap "b0" is set to 0x80
    Then a check must report corruption, citing rule "bitmaps.data.tail-bits.zero"

  @id:bmp-in-use @rule:bitmaps.directory.flags.in-use @should
  Scenario: A bitmap marked in use is not trusted
    The in_use flag says the bitmap was not saved correctly: its bits may be stale, so a
    reader must not report them as the set of changed ranges. The image itself stays
    valid and readable.

    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And the image has a bitmap "stale" with a granularity of 512-byte
    And bitmap "stale" has 4 KiB set at guest offset 0
    And bitmap "stale" is marked in use
    Then the image is valid
    And bitmap "stale" must not be used
    And the guest content matches the pattern

  @id:bmp-autoclear-clear @rule:extensions.bitmaps.autoclear-bit-clear @should
  Scenario: Bitmaps whose autoclear bit is clear are not trusted
    A writer that does not know bitmaps clears autoclear bit 0 when it changes the image;
    the bitmaps may then miss its writes, and no reader may report them. Nothing valid
    owns the bitmap directory, table and data cluster any more, so a check counts them as
    leaked (three clusters).

    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And the image has a bitmap "old" with a granularity of 512-byte
    And bitmap "old" has 4 KiB set at guest offset 0
    And bit 0 of header field "autoclear_features" is cleared
    Then the image is valid, but a check reports 3 leaked host clusters
    And bitmap "old" must not be used
    And the guest content matches the pattern

  @id:bmp-extra-data-unknown @rule:bitmaps.directory.extra_data.not-compatible @rule:bitmaps.directory.extra_data_size.zero @must
  Scenario: A bitmap with extra data it does not understand must not be used
    No extra data is defined yet. Without the extra_data_compatible flag, a reader that does
    not know the extra data must leave the bitmap alone (not use it, but keep it).

    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And the image has a bitmap "future" with a granularity of 512-byte
    And bitmap "future" has 4 KiB set at guest offset 0
    And bitmap "future" has 8 bytes of extra data
    Then the image is valid
    And bitmap "future" must not be used
    And the guest content matches the pattern

  @id:bmp-extra-data-compatible @rule:bitmaps.directory.extra_data_size.zero @rule:bitmaps.directory.extra_data.qemu-unsupported @should
  Scenario: A bitmap with extra data marked compatible may be used as usual
    With the extra_data_compatible flag, a reader that does not know the extra data may
    ignore it and use the bitmap. (QEMU refuses any extra data: see divergences.json.)

    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And the image has a bitmap "future" with a granularity of 512-byte
    And bitmap "future" has 4 KiB set at guest offset 0
    And bitmap "future" has 8 bytes of extra data that readers may ignore
    Then the image is valid
    And bitmap "future" reads as the ranges set in it
    And the guest content matches the pattern

  @id:bmp-name-1024-bytes @rule:bitmaps.directory.name_size.max-1023 @implementation-limit
  Scenario: A bitmap name longer than 1023 bytes is beyond QEMU's limit
    The spec bounds name_size only by its two bytes; QEMU refuses names over 1023 bytes.

    Given a version 3 image with 4 KiB clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And the image has a bitmap "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn" with a granularity of 512-byte
    Then the outcome is an implementation limit: a reader may accept or reject the image, but must never return guest data other than the pattern

  @id:bmp-granularity-256 @rule:bitmaps.directory.granularity_bits.qemu-9-31 @implementation-limit
  Scenario: A bitmap granularity of 256 bytes is beyond QEMU's range
    The spec allows any granularity_bits up to 63; QEMU supports 9 to 31.

    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And the image has a bitmap "fine" with a granularity of 256 bytes
    And bitmap "fine" has 256 bytes set at guest offset 0x1000
    Then the outcome is an implementation limit: a reader may accept or reject the image, but must never return guest data other than the pattern

  @id:bmp-table-size-larger @rule:bitmaps.directory.bitmap_table_size.qemu-exact @implementation-limit
  Scenario: A bitmap table with more entries than the disk needs is beyond QEMU's limit
    The spec asks for enough entries to cover the disk; QEMU loads a bitmap only when the
    table has exactly that many. The extra entry is zero (no data cluster).

    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And the image has a bitmap "wide" with a granularity of 512-byte
    And bitmap "wide" has 4 KiB set at guest offset 0
    And field "bitmap_table_size" of the directory entry of bitmap "wide" is increased by 1
    Then the outcome is an implementation limit: a reader may accept or reject the image, but must never return guest data other than the pattern

  @id:bmp-count-65536 @rule:extensions.bitmaps.nb_bitmaps.max-65535 @implementation-limit
  Scenario: 65536 bitmaps are one more than QEMU accepts
    The spec bounds nb_bitmaps only by its four bytes; QEMU refuses more than 65535 bitmaps
    when it reads the bitmaps extension. The names are "b0" to "b65535" (32-byte entries: a
    2 MiB directory, far below QEMU's directory size limit) and each table is one zero
    entry, so the image exceeds the count limit and no other.

    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And the image has 65536 bitmaps named "b" and their number, with a granularity of 64 KiB
    Then the outcome is an implementation limit: a reader may accept or reject the image, but must never return guest data other than the pattern

  @id:bmp-directory-64-mib @rule:extensions.bitmaps.directory_size.max-qemu @rule:bitmaps.directory.name_size.max-1023 @implementation-limit
  Scenario: A bitmap directory over 1024 bytes for each of 65535 bitmaps is beyond QEMU's limit
    The spec bounds bitmap_directory_size only by its eight bytes; QEMU refuses a directory
    over 67107840 bytes (1024 for each of its 65535 bitmaps) when it reads the bitmaps
    extension, before it reads any entry. Within QEMU's other limits (65535 bitmaps, names
    of 1023 bytes, no extra data: entries of 1048 bytes) that takes 64035 bitmaps, each with
    its own table cluster: an image of 96 MiB (1.2 MiB gzip-stored). This one has 1024
    bitmaps whose names are 65535 bytes long (65560-byte entries, 67133440 bytes in all): an
    image of 65 MiB (0.45 MiB stored). It therefore exceeds QEMU's name length limit too,
    which QEMU only reaches after the directory size.

    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And the image has 1024 bitmaps named "d" and their number in 65534 digits, with a granularity of 64 KiB
    Then the outcome is an implementation limit: a reader may accept or reject the image, but must never return guest data other than the pattern

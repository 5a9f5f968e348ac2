@area:proposals
Feature: Proposed spec changes
  Scenarios whose expectation depends on a proposal that was never merged into the spec.
  Each proposal shows both sides: the image as the published spec judges it, and the same
  image under the proposal (tag @proposal:NAME; run with --proposal=NAME).

  Proposal zero-bitmap-table-offset (qemu-block, 2016, "spec/qcow2: bitmaps: zero bitmap
  table offset"): a bitmap directory entry whose bitmap_table_offset is 0 has no table and
  reads as all zeros; its bitmap_table_size must then be 0 too. The published spec requires
  a non-zero offset (spec: Bitmaps > Bitmap directory, bitmap_table_offset), and QEMU
  refuses such an entry while autoclear bit 0 is set.

  @id:prop-zbto-published @rule:bitmaps.directory.bitmap_table_offset.non-zero @must
  Scenario: Published spec: a bitmap without a table is a corruption
    Given a version 3 image with 4 KiB clusters and a 1 MiB virtual disk
    And guest cluster 0 holds data
    And the image has a bitmap "no-table" with a granularity of 64 KiB
    And bitmap "no-table" has no bitmap table (offset 0, size 0)
    Then a check must report corruption, citing rule "bitmaps.directory.bitmap_table_offset.non-zero"

  @id:prop-zbto-reads-empty @proposal:zero-bitmap-table-offset @rule:bitmaps.directory.bitmap_table_offset.zero-needs-zero-size @rule:bitmaps.directory.bitmap_table_size.qemu-range @must
  Scenario: Under the proposal: a bitmap without a table reads as empty, next to a normal one
    Given a version 3 image with 4 KiB clusters and a 1 MiB virtual disk
    And guest cluster 0 holds data
    And the image has a bitmap "no-table" with a granularity of 64 KiB
    And bitmap "no-table" has no bitmap table (offset 0, size 0)
    And the image has a bitmap "b0" with a granularity of 64 KiB
    And bitmap "b0" has 4 KiB set at guest offset 0
    Then the image is valid
    And bitmap "no-table" reads as empty
    And bitmap "b0" reads as the ranges set in it
    And the guest content matches the pattern

  @id:prop-zbto-size-not-zero @proposal:zero-bitmap-table-offset @rule:bitmaps.directory.bitmap_table_offset.zero-needs-zero-size @must
  Scenario: Under the proposal: a bitmap without a table must have a table size of 0
    Given a version 3 image with 4 KiB clusters and a 1 MiB virtual disk
    And guest cluster 0 holds data
    And the image has a bitmap "no-table" with a granularity of 64 KiB
    And bitmap "no-table" has no bitmap table (offset 0, size 0)
    And field "bitmap_table_size" of the directory entry of bitmap "no-table" is set to 1
    Then a check must report corruption, citing rule "bitmaps.directory.bitmap_table_offset.zero-needs-zero-size"

  @id:prop-zbto-published-autoclear-clear @rule:bitmaps.directory.bitmap_table_offset.non-zero @must
  Scenario: Published spec: with autoclear bit 0 clear the bitmaps, table-less one included, are not used
    With the bitmaps extension bit clear the whole extension is inconsistent (spec: Header,
    autoclear_features bit 0): no bitmap may be used, so the missing table is no corruption,
    and the directory's cluster, referenced by nothing a reader may trust, is a leak.

    Given a version 3 image with 4 KiB clusters and a 1 MiB virtual disk
    And guest cluster 0 holds data
    And the image has a bitmap "no-table" with a granularity of 64 KiB
    And bitmap "no-table" has no bitmap table (offset 0, size 0)
    And bit 0 of header field "autoclear_features" is cleared
    Then the image is valid, but a check reports 1 leaked host cluster
    And bitmap "no-table" must not be used
    And the guest content matches the pattern

  @id:prop-zbto-autoclear-clear @proposal:zero-bitmap-table-offset @rule:bitmaps.directory.bitmap_table_offset.zero-needs-zero-size @must
  Scenario: Under the proposal: with autoclear bit 0 clear a table-less bitmap is not used either
    The proposal changes what a table offset of 0 means, not the autoclear bit: the
    extension is still inconsistent and ignored, as under the published spec.

    Given a version 3 image with 4 KiB clusters and a 1 MiB virtual disk
    And guest cluster 0 holds data
    And the image has a bitmap "no-table" with a granularity of 64 KiB
    And bitmap "no-table" has no bitmap table (offset 0, size 0)
    And bit 0 of header field "autoclear_features" is cleared
    Then the image is valid, but a check reports 1 leaked host cluster
    And bitmap "no-table" must not be used
    And the guest content matches the pattern

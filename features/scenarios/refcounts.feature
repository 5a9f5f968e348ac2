@area:refcount
Feature: Refcounts
  Every host cluster has a reference count, stored through a two-level structure: the
  refcount table points at refcount blocks, which hold one refcount_bits-wide entry per
  host cluster (spec: Host cluster management). A used cluster's refcount equals the number
  of references to it; a higher count only leaks space, a lower one is a corruption.

  @id:ref-too-low @rule:refcount.count.too-low @must
  Scenario Outline: A used cluster with refcount 0 is a corruption (<structure>)
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 2 holds data
    And the refcount of <structure> is set to 0
    Then a check must report corruption, citing rule "refcount.count.too-low"

    Examples:
      | id            | structure                                |
      | header        | the header cluster                       |
      | refcount-table | the refcount table                      |
      | refcount-block | refcount block 0                        |
      | l1-table      | the L1 table                             |
      | l2-table      | the L2 table of guest cluster 2          |

  @id:ref-too-low-shared @rule:refcount.count.too-low @rule:mapping.copied-flag @must
  Scenario: A cluster shared by two L2 entries with refcount 1 is a corruption
    The copied flags are cleared, as for any shared cluster, so the only fault is the count.

    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 2 holds data
    And guest cluster 3 shares the host cluster of guest cluster 2
    And the refcount of the host cluster of guest cluster 2 is set to 1
    Then a check must report corruption, citing rule "refcount.count.too-low"

  @id:ref-count-overflow @rule:refcount.count.overflow @must
  Scenario: A cluster referenced twice with 1-bit refcounts is a corruption
    A 1-bit refcount holds at most 1, so with refcount_order 0 no cluster may be shared:
    the second reference cannot be counted. The first entry's own host cluster is given
    refcount 0 so that it is not also a leak.

    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And refcounts are 1 bit wide
    And guest cluster 2 holds data
    And guest cluster 3 holds data
    And the L2 entry for guest cluster 3 points at the host cluster of guest cluster 2
    And the refcount of the host cluster of guest cluster 3 is set to 0
    Then a check must report corruption, citing rule "refcount.count.overflow"

  @id:ref-too-high @rule:refcount.count.too-high @should
  Scenario Outline: A refcount above the number of references leaks the cluster (<structure>)
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 2 holds data
    And the refcount of <structure> is set to 2
    Then the image is valid, but a check reports 1 leaked host cluster
    And the guest content matches the pattern

    Examples:
      | id       | structure          |
      | header   | the header cluster |
      | l1-table | the L1 table       |

  @id:ref-unreferenced-cluster @rule:refcount.count.too-high @should
  Scenario: A cluster that nothing references but has refcount 1 is a leak
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 2 holds data
    And the image has 1 host cluster that nothing references, with refcount 1
    Then the image is valid, but a check reports 1 leaked host cluster
    And the guest content matches the pattern

  @id:ref-table-entry-reserved @rule:refcount.table.entry.reserved @must
  Scenario Outline: A refcount table entry with reserved bit <bit> set is a corruption
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 2 holds data
    And bit <bit> of refcount table entry 0 is set
    Then a check must report corruption, citing rule "refcount.table.entry.reserved"

    Examples:
      | id    | bit |
      | bit-0 | 0   |
      | bit-8 | 8   |

  @id:ref-block-unaligned @rule:refcount.table.entry.aligned @must
  Scenario: A refcount block that does not start on a cluster boundary is a corruption
    Given a version 3 image with 1 KiB clusters and a 64 KiB virtual disk
    And guest cluster 2 holds data
    And refcount table entry 0 is increased by 512
    Then a check must report corruption, citing rule "refcount.table.entry.aligned"

  @id:ref-block-past-eof @rule:refcount.block.in-file @must
  Scenario: A refcount block beyond the end of the file is a corruption
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 2 holds data
    And refcount table entry 0 is set to the end of the file
    Then a check must report corruption, citing rule "refcount.block.in-file"

  @id:ref-lazy-dirty-exact @rule:header.incompatible_features.dirty @should
  Scenario: Lazy refcounts with the dirty bit set and exact refcounts
    With lazy refcounts (compatible bit 0) a writer may leave refcounts stale and set the
    dirty bit; a reader does not use refcounts, and a writer rebuilds them before writing.
    Here they happen to be exact.

    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And bit 0 of header field "compatible_features" is set
    And bit 0 of header field "incompatible_features" is set
    Then the image is valid
    And the guest content matches the pattern

  @id:ref-lazy-dirty-stale @rule:header.incompatible_features.dirty @rule:refcount.count.too-low @should
  Scenario: Lazy refcounts with the dirty bit set and a stale refcount still read correctly
    The dirty bit announces exactly this: a refcount that was not updated (here the data
    cluster's is 0). Reading does not depend on refcounts, so the guest content must be the
    pattern; a consistency check reports the stale count, which a repair rebuilds.

    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And bit 0 of header field "compatible_features" is set
    And bit 0 of header field "incompatible_features" is set
    And the refcount of the host cluster of guest cluster 1 is set to 0
    Then a check must report corruption, citing rule "refcount.count.too-low"
    And the guest content matches the pattern

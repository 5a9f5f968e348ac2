@area:mapping
Feature: Cluster mapping
  A guest offset is mapped through the active L1 table to an L2 table, whose entry for the
  guest cluster says where its data is (spec: Cluster mapping). A standard L2 entry either
  points at a host cluster, or has no host offset (unallocated: read from the backing file,
  or zeros without one), and in version 3 may carry the zero flag (bit 0): the cluster reads
  as zeros whatever the host offset and the backing file say. Bit 63 (copied) is set exactly
  when the host cluster's refcount is 1.

  @id:map-unallocated @rule:mapping.l2.entry.reserved @must
  Scenario Outline: An unallocated cluster reads from the backing file, or as zeros (<backing>)
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 2 holds data
    And <backing step>
    Then the image is valid
    And reading guest cluster 2 returns its data
    And reading guest cluster 3 returns <cluster 3>
    And the guest content matches the pattern

    Examples:
      | id            | backing        | backing step                                                          | cluster 3               |
      | no-backing    | none           | guest cluster 4 holds data                                        | zeros                   |
      | qcow2-backing | qcow2 backing  | it has a qcow2 backing file in which every guest cluster holds data | the backing file's data |
      | raw-backing   | raw backing    | it has a raw backing file in which every guest cluster holds data   | the backing file's data |

  @id:map-zero-plain @rule:mapping.l2.zero-flag.version-2 @must
  Scenario Outline: A zero cluster reads as zeros, hiding the backing file (<backing>)
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And guest cluster 2 is a zero cluster
    And <backing step>
    Then the image is valid
    And reading guest cluster 2 returns zeros
    And the guest content matches the pattern

    Examples:
      | id            | backing       | backing step                                                            |
      | no-backing    | none          | guest cluster 3 holds data                                          |
      | qcow2-backing | qcow2 backing | it has a qcow2 backing file in which every guest cluster holds data |

  @id:map-zero-preallocated @rule:mapping.l2.zero-flag.version-2 @rule:mapping.copied-flag @must
  Scenario Outline: A zero cluster with a preallocated host cluster reads as zeros, not the stale host data (<backing>)
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And guest cluster 2 is a zero cluster with a preallocated host cluster
    And <backing step>
    Then the image is valid
    And reading guest cluster 2 returns zeros
    And the guest content matches the pattern

    Examples:
      | id            | backing       | backing step                                                            |
      | no-backing    | none          | guest cluster 3 holds data                                          |
      | qcow2-backing | qcow2 backing | it has a qcow2 backing file in which every guest cluster holds data |

  @id:map-zero-flag-v2 @rule:mapping.l2.zero-flag.version-2 @must
  Scenario: A version 2 image has no zero flag
    Given a version 2 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And guest cluster 2 holds data
    And bit 0 of the L2 entry for guest cluster 2 is set
    Then a reader must refuse to read guest cluster 2, citing rule "mapping.l2.zero-flag.version-2"

  @id:map-normal-copied @rule:mapping.copied-flag @must
  Scenario: A standard cluster with refcount 1 carries the copied flag and reads its host cluster
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest clusters 0 to 7 hold data
    And guest cluster 100 holds data
    Then the image is valid
    And reading guest cluster 100 returns its data
    And the guest content matches the pattern

  @id:map-normal-shared @rule:mapping.copied-flag @must
  Scenario: Two guest clusters sharing one host cluster have refcount 2 and no copied flag
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 2 holds data
    And guest cluster 9 shares the host cluster of guest cluster 2
    Then the image is valid
    And reading guest cluster 9 returns the data of guest cluster 2
    And the guest content matches the pattern

  @id:map-copied-flag-missing @rule:mapping.copied-flag @must
  Scenario: A cluster with refcount 1 but no copied flag is a corruption
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 2 holds data
    And bit 63 of the L2 entry for guest cluster 2 is cleared
    Then a check must report corruption, citing rule "mapping.copied-flag"

  @id:map-copied-flag-on-shared @rule:mapping.copied-flag @must
  Scenario: A shared cluster with the copied flag is a corruption
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 2 holds data
    And guest cluster 3 shares the host cluster of guest cluster 2
    And bit 63 of the L2 entry for guest cluster 3 is set
    Then a check must report corruption, citing rule "mapping.copied-flag"

  @id:map-l1-copied-flag-missing @rule:mapping.copied-flag @must
  Scenario: An L1 entry without the copied flag for an L2 table of refcount 1 is a corruption
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 2 holds data
    And bit 63 of the L1 entry for guest cluster 2 is cleared
    Then a check must report corruption, citing rule "mapping.copied-flag"

  @id:map-l2-reserved-bit @rule:mapping.l2.entry.reserved @must
  Scenario Outline: A standard L2 entry with reserved bit <bit> set is a corruption
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 2 holds data
    And bit <bit> of the L2 entry for guest cluster 2 is set
    Then a check must report corruption, citing rule "mapping.l2.entry.reserved"

    Examples:
      | id     | bit |
      | bit-1  | 1   |
      | bit-8  | 8   |
      | bit-56 | 56  |
      | bit-61 | 61  |

  @id:map-l1-reserved-bit @rule:mapping.l1.entry.reserved @must
  Scenario Outline: An L1 entry with reserved bit <bit> set is a corruption
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 2 holds data
    And bit <bit> of the L1 entry for guest cluster 2 is set
    Then a check must report corruption, citing rule "mapping.l1.entry.reserved"

    Examples:
      | id     | bit |
      | bit-0  | 0   |
      | bit-8  | 8   |
      | bit-56 | 56  |
      | bit-62 | 62  |

  @id:map-l1-entry-unaligned @rule:mapping.l1.entry.aligned @must
  Scenario: An L2 table that does not start on a cluster boundary cannot be used
    Given a version 3 image with 1 KiB clusters and a 64 KiB virtual disk
    And guest cluster 2 holds data
    And the host offset in the L1 entry for guest cluster 2 is increased by 512
    Then a reader must refuse to read guest cluster 2, citing rule "mapping.l1.entry.aligned"

  @id:map-l2-table-past-eof @rule:mapping.l2.table.in-file @must
  Scenario: An L2 table beyond the end of the file cannot be used
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 2 holds data
    And the host offset in the L1 entry for guest cluster 2 is set to the end of the file
    And the refcount of the L2 table of guest cluster 2 is set to 0
    And the refcount of the host cluster of guest cluster 2 is set to 0
    Then a reader must refuse to read guest cluster 2, citing rule "mapping.l2.table.in-file"

  @id:map-l2-entry-unaligned @rule:mapping.l2.entry.aligned @must
  Scenario: A data cluster that does not start on a cluster boundary cannot be read
    Given a version 3 image with 1 KiB clusters and a 64 KiB virtual disk
    And guest cluster 2 holds data
    And guest cluster 3 holds data
    And the host offset in the L2 entry for guest cluster 2 is increased by 512
    Then a reader must refuse to read guest cluster 2, citing rule "mapping.l2.entry.aligned"

  @id:map-data-cluster-past-eof @rule:mapping.l2.cluster.in-file @must
  Scenario: A data cluster beyond the end of the file cannot be read
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 2 holds data
    And the host offset in the L2 entry for guest cluster 2 is set to the end of the file
    And the refcount of the host cluster of guest cluster 2 is set to 0
    Then a reader must refuse to read guest cluster 2, citing rule "mapping.l2.cluster.in-file"

  @id:map-offset-zero-copied @rule:mapping.l2.offset-zero-with-copied @must
  Scenario: Host offset 0 with the copied flag is only meaningful with an external data file
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 2 holds data
    And the host offset in the L2 entry for guest cluster 2 is set to 0
    And the refcount of the host cluster of guest cluster 2 is set to 0
    Then a reader must refuse to read guest cluster 2, citing rule "mapping.l2.offset-zero-with-copied"

  @id:map-data-overlaps-l1-table @rule:layout.metadata-overlap @must
  Scenario: A data cluster that is also the L1 table is a corruption
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 2 holds data
    And the L2 entry for guest cluster 2 points at the L1 table
    And the refcount of the host cluster of guest cluster 2 is set to 0
    Then a check must report corruption, citing rule "layout.metadata-overlap"

  @id:map-normal-over-backing @rule:mapping.copied-flag @must
  Scenario: A standard cluster hides the backing file's data
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 2 holds data
    And guest cluster 3 shares the host cluster of guest cluster 2
    And it has a qcow2 backing file in which every guest cluster holds data
    Then the image is valid
    And reading guest cluster 2 returns its data
    And reading guest cluster 3 returns the data of guest cluster 2
    And reading guest cluster 4 returns the backing file's data
    And the guest content matches the pattern

  @id:map-v2-over-backing @rule:mapping.l2.entry.reserved @must
  Scenario: A version 2 image reads unallocated clusters from its backing file
    Given a version 2 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 2 holds data
    And it has a qcow2 backing file in which every guest cluster holds data
    Then the image is valid
    And reading guest cluster 2 returns its data
    And reading guest cluster 3 returns the backing file's data
    And the guest content matches the pattern

@area:extended-l2
Feature: Extended L2 entries
  With incompatible feature bit 4 every L2 entry is 16 bytes: the standard descriptor, then a
  64-bit subcluster bitmap (spec: Extended L2 Entries). A standard cluster is cut into 32
  subclusters; bit n (0-31) says subcluster n is allocated (its data is in the host cluster at
  n times the subcluster size), bit 32+n that it reads as zeros, and a subcluster with neither
  bit reads from the backing file, or as zeros without one. A subcluster is never both; an
  entry without a host cluster allocates none; a compressed cluster has no subclusters and its
  bitmap is zero; bit 0 of the descriptor is no longer a zero flag and stays 0. Subclusters are
  at least 512 bytes, so clusters are at least 16 KiB.

  In these images every host cluster holds the image's pattern in all 32 subclusters, also
  where the bitmap says zero or unallocated: a reader that ignores the bitmap returns the
  wrong data and is caught.

  @id:xl2-whole-cluster @rule:mapping.extended-l2.bitmap.valid @must
  Scenario Outline: All 32 subclusters of a cluster alike: <state> (<backing>)
    Given a version 3 image with 16 KiB clusters and a 48 KiB virtual disk
    And the image uses extended L2 entries
    And <backing step>
    And subcluster 0 of guest cluster 0 holds data
    And subclusters 0 to 31 of guest cluster 1 <state>
    Then the image is valid
    And reading subcluster 0 of guest cluster 1 returns <reads>
    And reading subcluster 31 of guest cluster 1 returns <reads>
    And the guest content matches the pattern

    Examples:
      | id                           | state           | backing       | backing step                                                        | reads                   |
      | all-allocated                | hold data       | none          | guest cluster 2 holds data                                          | its data                |
      | all-zero                     | are zero        | none          | guest cluster 2 holds data                                          | zeros                   |
      | all-unallocated              | are unallocated | none          | guest cluster 2 holds data                                          | zeros                   |
      | all-allocated-over-backing   | hold data       | qcow2 backing | it has a qcow2 backing file in which every guest cluster holds data | its data                |
      | all-zero-over-backing        | are zero        | qcow2 backing | it has a qcow2 backing file in which every guest cluster holds data | zeros                   |
      | all-unallocated-over-backing | are unallocated | qcow2 backing | it has a qcow2 backing file in which every guest cluster holds data | the backing file's data |

  @id:xl2-mixed @rule:mapping.extended-l2.bitmap.valid @must
  Scenario Outline: One cluster mixes allocated, zero and unallocated subclusters (<backing>)
    The allocated subclusters read from the host cluster at their own place in it, the zero
    ones as zeros, the rest from the layer below. Guest cluster 0 has a single allocated
    subcluster in the middle and nothing else.

    Given a version 3 image with 16 KiB clusters and a 48 KiB virtual disk
    And the image uses extended L2 entries
    And <backing step>
    And subcluster 17 of guest cluster 0 holds data
    And subclusters 0 to 9 of guest cluster 1 hold data
    And subclusters 10 to 19 of guest cluster 1 are zero
    And subclusters 20 to 31 of guest cluster 1 are unallocated
    Then the image is valid
    And reading subcluster 9 of guest cluster 1 returns its data
    And reading subcluster 10 of guest cluster 1 returns zeros
    And reading subcluster 20 of guest cluster 1 returns <below>
    And reading subcluster 17 of guest cluster 0 returns its data
    And reading subcluster 16 of guest cluster 0 returns <below>
    And the guest content matches the pattern

    Examples:
      | id            | backing       | backing step                                                        | below                   |
      | no-backing    | none          | guest cluster 2 holds data                                          | zeros                   |
      | qcow2-backing | qcow2 backing | it has a qcow2 backing file in which every guest cluster holds data | the backing file's data |

  @id:xl2-zero-without-host @rule:mapping.extended-l2.bitmap.valid @must
  Scenario Outline: Zero and unallocated subclusters in an entry without a host cluster (<backing>)
    The entry has no host offset; its bitmap marks subclusters 0 to 15 zero and allocates none,
    so they read as zeros and subclusters 16 to 31 read from the layer below.

    Given a version 3 image with 16 KiB clusters and a 48 KiB virtual disk
    And the image uses extended L2 entries
    And <backing step>
    And subcluster 0 of guest cluster 0 holds data
    And subclusters 0 to 15 of guest cluster 1 are zero
    Then the image is valid
    And reading subcluster 15 of guest cluster 1 returns zeros
    And reading subcluster 16 of guest cluster 1 returns <below>
    And the guest content matches the pattern

    Examples:
      | id            | backing       | backing step                                                        | below                   |
      | no-backing    | none          | guest cluster 2 holds data                                          | zeros                   |
      | qcow2-backing | qcow2 backing | it has a qcow2 backing file in which every guest cluster holds data | the backing file's data |

  @id:xl2-alternating @rule:mapping.extended-l2.bitmap.valid @must
  Scenario: Alternating allocated, zero and unallocated subclusters over a backing file
    Every run is one subcluster long, so a reader that rounds to more than a subcluster, or
    reads a subcluster at the wrong place in the host cluster, returns the wrong data.

    Given a version 3 image with 16 KiB clusters and a 32 KiB virtual disk
    And the image uses extended L2 entries
    And it has a qcow2 backing file in which every guest cluster holds data
    And subcluster 0 of guest cluster 0 holds data
    And subcluster 1 of guest cluster 0 is zero
    And subcluster 3 of guest cluster 0 holds data
    And subcluster 4 of guest cluster 0 is zero
    And subcluster 6 of guest cluster 0 holds data
    And subcluster 30 of guest cluster 0 is zero
    And subcluster 31 of guest cluster 0 holds data
    Then the image is valid
    And reading subcluster 2 of guest cluster 0 returns the backing file's data
    And reading subcluster 3 of guest cluster 0 returns its data
    And reading subcluster 4 of guest cluster 0 returns zeros
    And reading subcluster 5 of guest cluster 0 returns the backing file's data
    And reading subcluster 31 of guest cluster 0 returns its data
    And the guest content matches the pattern

  @id:xl2-zero-preallocated @rule:mapping.extended-l2.bitmap.valid @must
  Scenario Outline: A cluster whose 32 subclusters are all zero on a preallocated host cluster reads as zeros (<backing>)
    Given a version 3 image with 16 KiB clusters and a 48 KiB virtual disk
    And the image uses extended L2 entries
    And <backing step>
    And guest cluster 1 is a zero cluster with a preallocated host cluster
    Then the image is valid
    And reading guest cluster 1 returns zeros
    And the guest content matches the pattern

    Examples:
      | id            | backing       | backing step                                                        |
      | no-backing    | none          | guest cluster 2 holds data                                          |
      | qcow2-backing | qcow2 backing | it has a qcow2 backing file in which every guest cluster holds data |

  @id:xl2-unallocated-on-host @rule:mapping.extended-l2.bitmap.valid @must
  Scenario Outline: Subclusters with neither bit set read from below even when the cluster has a host cluster (<backing>)
    The entry points at a host cluster (holding this image's pattern), but its bitmap allocates
    no subcluster; subclusters 0 to 3 are zero, the others unallocated.

    Given a version 3 image with 16 KiB clusters and a 48 KiB virtual disk
    And the image uses extended L2 entries
    And <backing step>
    And guest cluster 1 is a zero cluster with a preallocated host cluster
    And subclusters 4 to 31 of guest cluster 1 are unallocated
    Then the image is valid
    And reading subcluster 3 of guest cluster 1 returns zeros
    And reading subcluster 4 of guest cluster 1 returns <below>
    And the guest content matches the pattern

    Examples:
      | id            | backing       | backing step                                                        | below                   |
      | no-backing    | none          | guest cluster 2 holds data                                          | zeros                   |
      | qcow2-backing | qcow2 backing | it has a qcow2 backing file in which every guest cluster holds data | the backing file's data |

  @id:xl2-external-data-file @rule:mapping.extended-l2.bitmap.valid @rule:mapping.data-file.host-offset-equals-guest @must
  Scenario Outline: Subclusters of an image that keeps its guest data in an external data file (<kind>)
    Allocated subclusters are read from the data file at their own guest offsets. Without the
    raw bit the data file holds the pattern under every subcluster of a cluster that has a
    host offset, zero and unallocated ones included, so a reader that ignores the bitmap
    returns bytes it must not; with the raw bit the data file is the guest disk itself.

    Given a version 3 image with 16 KiB clusters and a 64 KiB virtual disk
    And the image uses extended L2 entries
    And subclusters 0 to 9 of guest cluster 0 hold data
    And subclusters 10 to 19 of guest cluster 0 are zero
    And subcluster 31 of guest cluster 1 holds data
    And guest cluster 2 holds data
    And the image keeps its guest data in <data file>
    Then the image is valid
    And reading subcluster 9 of guest cluster 0 returns its data
    And reading subcluster 10 of guest cluster 0 returns zeros
    And reading subcluster 20 of guest cluster 0 returns zeros
    And reading subcluster 30 of guest cluster 1 returns zeros
    And reading subcluster 31 of guest cluster 1 returns its data
    And the guest content matches the pattern

    Examples:
      | id      | kind    | data file                      |
      | not-raw | not raw | an external data file          |
      | raw     | raw     | an external raw data file      |

  @id:xl2-encrypted @rule:mapping.extended-l2.bitmap.valid @must
  Scenario: Subclusters of a LUKS-encrypted image
    Each host cluster is encrypted whole, 512-byte sector by sector with IVs from the host
    sector (spec: Data encryption), so every subcluster decrypts on its own; the bitmap still
    decides which subclusters are read from the host cluster.

    Given a version 3 image with 16 KiB clusters and a 64 KiB virtual disk
    And the image uses extended L2 entries
    And subclusters 0 to 9 of guest cluster 0 hold data
    And subclusters 10 to 19 of guest cluster 0 are zero
    And subcluster 31 of guest cluster 1 holds data
    And guest cluster 2 holds data
    And the image is encrypted with LUKS using the passphrase "subclusters"
    And the LUKS cipher is aes in mode "cbc-essiv:sha256" with a 16-byte key
    Then the image is valid
    And reading subcluster 9 of guest cluster 0 returns its data
    And reading subcluster 10 of guest cluster 0 returns zeros
    And reading subcluster 20 of guest cluster 0 returns zeros
    And reading subcluster 30 of guest cluster 1 returns zeros
    And reading subcluster 31 of guest cluster 1 returns its data
    And the guest content matches the pattern

  @id:xl2-compressed @rule:mapping.extended-l2.bitmap.compressed @must
  Scenario Outline: A compressed cluster has a zero subcluster bitmap and reads whole (<type>)
    Given a version 3 image with 16 KiB clusters and a 48 KiB virtual disk
    And the image uses extended L2 entries
    And guest cluster 1 is compressed with <type>
    And subclusters 0 to 15 of guest cluster 2 hold data
    Then the image is valid
    And reading guest cluster 1 returns its data
    And the guest content matches the pattern

    Examples:
      | id      | type    |
      | deflate | deflate |
      | zstd    | zstd    |

  @id:xl2-cluster-sizes @rule:mapping.extended-l2.bitmap.valid @rule:header.cluster_bits.min-with-extended-l2 @must
  Scenario Outline: Subclusters are a 32nd of the cluster at every cluster size: <size> clusters
    16 KiB is the smallest cluster size with extended L2 entries (512-byte subclusters).

    Given a version 3 image with <size> clusters and a <disk> virtual disk
    And the image uses extended L2 entries
    And subclusters 0 to 1 of guest cluster 0 hold data
    And subclusters 2 to 5 of guest cluster 0 are zero
    And subcluster 31 of guest cluster 0 holds data
    Then the image is valid
    And reading subcluster 1 of guest cluster 0 returns its data
    And reading subcluster 2 of guest cluster 0 returns zeros
    And reading subcluster 6 of guest cluster 0 returns zeros
    And reading subcluster 31 of guest cluster 0 returns its data
    And the guest content matches the pattern

    Examples:
      | id  | size   | disk   |
      | 16k | 16 KiB | 16 KiB |
      | 32k | 32 KiB | 32 KiB |
      | 64k | 64 KiB | 64 KiB |

  @id:xl2-alloc-and-zero @rule:mapping.extended-l2.bitmap.alloc-and-zero @rule:mapping.extended-l2.bitmap.valid @must
  Scenario: A subcluster marked both allocated and zero makes the cluster unreadable
    Subcluster 2 of guest cluster 1 is allocated; its zero bit (34) is set as well.

    Given a version 3 image with 16 KiB clusters and a 32 KiB virtual disk
    And the image uses extended L2 entries
    And subclusters 0 to 3 of guest cluster 1 hold data
    And bit 34 of the subcluster bitmap of the L2 entry for guest cluster 1 is set
    Then a reader must refuse to read guest cluster 1, citing rule "mapping.extended-l2.bitmap.alloc-and-zero"

  @id:xl2-allocated-without-host @rule:mapping.extended-l2.bitmap.unallocated-cluster @rule:mapping.extended-l2.bitmap.valid @must
  Scenario Outline: An entry without a host cluster allocates no subcluster (<state>)
    Given a version 3 image with 16 KiB clusters and a 32 KiB virtual disk
    And the image uses extended L2 entries
    And guest cluster 0 holds data
    And <state step>
    And bit 5 of the subcluster bitmap of the L2 entry for guest cluster 1 is set
    Then a reader must refuse to read guest cluster 1, citing rule "mapping.extended-l2.bitmap.unallocated-cluster"

    Examples:
      | id          | state       | state step                                             |
      | unallocated | unallocated | subclusters 0 to 31 of guest cluster 1 are unallocated |
      | zero-plain  | zero        | subclusters 6 to 31 of guest cluster 1 are zero        |

  @id:xl2-compressed-bitmap @rule:mapping.extended-l2.bitmap.compressed @must
  Scenario Outline: A compressed cluster's subcluster bitmap is not zero (bit <bit>)
    Readers may ignore the bitmap of a compressed cluster; a consistency check must report it.

    Given a version 3 image with 16 KiB clusters and a 32 KiB virtual disk
    And the image uses extended L2 entries
    And guest cluster 1 is compressed with deflate
    And bit <bit> of the subcluster bitmap of the L2 entry for guest cluster 1 is set
    Then a check must report corruption, citing rule "mapping.extended-l2.bitmap.compressed"

    Examples:
      | id        | bit |
      | allocated | 0   |
      | zero      | 32  |

  @id:xl2-zero-flag @rule:mapping.extended-l2.zero-flag @must
  Scenario: Bit 0 of a standard descriptor is set with extended L2 entries
    Bit 0 is not a zero flag here (the bitmap says what reads as zeros) and must be 0. Readers
    go by the bitmap, so the cluster still reads its data; a consistency check must report the bit.

    Given a version 3 image with 16 KiB clusters and a 32 KiB virtual disk
    And the image uses extended L2 entries
    And guest cluster 1 holds data
    And bit 0 of the L2 entry for guest cluster 1 is set
    Then a check must report corruption, citing rule "mapping.extended-l2.zero-flag"
    And reading guest cluster 1 returns its data

  @id:xl2-cluster-bits-below-min @rule:header.cluster_bits.min-with-extended-l2 @must
  Scenario Outline: Extended L2 entries with <size> clusters are refused (subclusters under 512 bytes)
    An image with standard entries gets incompatible bit 4; at this cluster size its
    subclusters would be smaller than a sector.

    Given a version 3 image with <size> clusters and a 32 KiB virtual disk
    And guest cluster 0 holds data
    And bit 4 of header field "incompatible_features" is set
    Then a reader must reject the image when opening it, citing rule "header.cluster_bits.min-with-extended-l2"

    Examples:
      | id   | size     |
      | 512b | 512-byte |
      | 8k   | 8 KiB    |

@area:compressed
Feature: Compressed clusters
  An L2 entry with bit 62 set describes a compressed cluster: its low bits hold a host byte
  offset (any byte, not only a cluster or sector boundary) and the count of additional
  512-byte sectors the compressed data may span (spec: Cluster mapping > Compressed Clusters
  Descriptor). The data decompresses, with the image's compression type, to one cluster.

  @id:cmp-deflate @rule:mapping.compressed.data @rule:header.compression_type.known @must
  Scenario Outline: A deflate-compressed cluster reads as its data (<size> clusters)
    Given a version <version> image with <size> clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And guest cluster 2 is compressed with deflate
    And guest cluster 3 is compressed with deflate
    Then the image is valid
    And reading guest cluster 2 returns its data
    And reading guest cluster 3 returns its data
    And the guest content matches the pattern

    Examples:
      | id      | version | size     |
      | v3-c512 | 3       | 512-byte |
      | v3-c4k  | 3       | 4 KiB    |
      | v2-c512 | 2       | 512-byte |

  @id:cmp-odd-offset @rule:mapping.compressed.data @must
  Scenario: Compressed data may start at an odd host byte offset
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 2 is compressed with deflate
    And guest cluster 3 is compressed with deflate at an odd host offset
    And guest cluster 4 is compressed with deflate at an odd host offset
    Then the image is valid
    And reading guest cluster 3 returns its data
    And reading guest cluster 4 returns its data
    And the guest content matches the pattern

  @id:cmp-zstd @rule:mapping.compressed.data @rule:header.compression_type.known @rule:header.compression_type.feature-bit @must
  Scenario: A zstd-compressed cluster reads as its data
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And guest cluster 2 is compressed with zstd
    And guest cluster 3 is compressed with zstd at an odd host offset
    Then the image is valid
    And reading guest cluster 2 returns its data
    And the guest content matches the pattern

  @id:cmp-sectors-past-eof @rule:mapping.compressed.in-file @must
  Scenario: The last compressed cluster's sectors may run past the end of the file
    The sector count covers whole sectors, so the last compressed data may end inside a
    sector that the file does not complete; only the start must lie inside the file.

    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 2 is compressed with deflate
    And guest cluster 5 is compressed with deflate at an odd host offset
    And the image file ends right after the last compressed data
    Then the image is valid
    And reading guest cluster 5 returns its data
    And the guest content matches the pattern

  @id:cmp-sectors-past-eof-over-backing @rule:mapping.compressed.in-file @must
  Scenario: Compressed sectors running past the end of the file, over a backing file
    As cmp-sectors-past-eof, with a backing file under the unallocated clusters: the bytes
    missing at the end of the file are not the backing file's either.

    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 2 is compressed with deflate
    And guest cluster 5 is compressed with deflate at an odd host offset
    And it has a qcow2 backing file in which every guest cluster holds data
    And the image file ends right after the last compressed data
    Then the image is valid
    And reading guest cluster 5 returns its data
    And reading guest cluster 6 returns the backing file's data
    And the guest content matches the pattern

  @id:cmp-copied-flag @rule:mapping.compressed.copied-flag @must
  Scenario: A compressed cluster never carries the copied flag
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 2 is compressed with deflate
    And bit 63 of the L2 entry for guest cluster 2 is set
    Then a check must report corruption, citing rule "mapping.compressed.copied-flag"

  @id:cmp-offset-above-56-bits @rule:mapping.compressed.offset-above-56-bits @must
  Scenario: A compressed host offset above 2^56 is invalid
    With 512-byte clusters the offset field is 61 bits wide; its bits 56 to 60 must be zero.

    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 2 is compressed with deflate
    And bit 58 of the L2 entry for guest cluster 2 is set
    Then a reader must refuse to read guest cluster 2, citing rule "mapping.compressed.offset-above-56-bits"

  @id:cmp-truncated-data @rule:mapping.compressed.data @must
  Scenario: Compressed data cut short by its sector count cannot be read
    Given a version 3 image with 4 KiB clusters and a 64 KiB virtual disk
    And guest cluster 2 is compressed with deflate
    And the sector count in the L2 entry for guest cluster 2 is set to 0
    Then a reader must refuse to read guest cluster 2, citing rule "mapping.compressed.data"

  @id:cmp-over-backing @rule:mapping.compressed.data @must
  Scenario: A compressed cluster hides the backing file's data
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 2 is compressed with deflate at an odd host offset
    And guest cluster 3 is compressed with deflate at an odd host offset
    And it has a qcow2 backing file in which every guest cluster holds data
    Then the image is valid
    And reading guest cluster 2 returns its data
    And reading guest cluster 4 returns the backing file's data
    And the guest content matches the pattern

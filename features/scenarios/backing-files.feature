@area:backing
Feature: Backing files
  An image may name a backing file (spec: Header, backing_file_offset and
  backing_file_size) whose content shows through every unallocated cluster; the backing
  file format extension names its format (spec: String header extensions).

  @id:bak-missing @rule:backing.file.readable @must
  Scenario: A backing file that cannot be opened makes the image unusable
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And it has a qcow2 backing file in which every guest cluster holds data
    And the backing file is missing
    Then a reader must reject the image when opening it, citing rule "backing.file.readable"

  @id:bak-loop @rule:backing.chain.loop @must
  Scenario: An image that is its own backing file is refused
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And it has a qcow2 backing file in which every guest cluster holds data
    And the backing file is the image itself
    Then a reader must reject the image when opening it, citing rule "backing.chain.loop"

  @id:bak-format-unknown @rule:backing.format.known @must
  Scenario: A backing file format the reader does not know is refused
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And it has a qcow2 backing file in which every guest cluster holds data
    And the backing file format is named "no-such-format"
    Then a reader must reject the image when opening it, citing rule "backing.format.known"

  @id:bak-name-at-cluster-end @rule:header.backing_file_offset.in-first-cluster @should
  Scenario: A backing file name that ends exactly at the end of the first cluster is valid
    The name must lie inside the first cluster; ending on its last byte is inside.

    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And it has a qcow2 backing file in which every guest cluster holds data
    And the backing file name ends exactly at the end of the first cluster
    Then the image is valid
    And reading guest cluster 2 returns the backing file's data
    And the guest content matches the pattern

@area:header
Feature: The image header
  The first cluster of an image starts with a fixed header (spec: Header). Version 2
  headers are 72 bytes long; version 3 headers are at least 104 bytes long and may carry
  additional fields. These scenarios check what a reader must refuse at open time, and
  that well-formed variations are accepted.

  @id:hdr-minimal-v3 @rule:header.magic @rule:header.version @rule:header.cluster_bits.min @must
  Scenario: A small version 3 image with data is valid
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 0 holds data
    And guest cluster 5 holds data
    Then the image is valid
    And reading guest cluster 0 returns its data
    And reading guest cluster 1 returns zeros
    And the guest content matches the pattern

  @id:hdr-minimal-v2 @rule:header.magic @rule:header.version @must
  Scenario: A small version 2 image with data is valid
    Given a version 2 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 0 holds data
    And guest cluster 7 holds data
    Then the image is valid
    And the guest content matches the pattern

  @id:hdr-cluster-size @rule:header.cluster_bits.min @must
  Scenario Outline: Clusters of <size> are valid
    Every cluster size from 512 bytes up is valid, and QEMU writes up to 2 MiB. From 128 KiB
    clusters up the image file is larger than 512 KiB and mostly zeros, so the corpus stores
    it gzip-compressed (golden-images/README.md).

    Given a version 3 image with <size> clusters and a <disk> virtual disk
    And guest cluster 1 holds data
    Then the image is valid
    And the guest content matches the pattern

    Examples:
      | id    | size     | disk    |
      | c512  | 512-byte | 256 KiB |
      | c1k   | 1 KiB    | 256 KiB |
      | c2k   | 2 KiB    | 256 KiB |
      | c4k   | 4 KiB    | 256 KiB |
      | c8k   | 8 KiB    | 256 KiB |
      | c16k  | 16 KiB   | 256 KiB |
      | c32k  | 32 KiB   | 256 KiB |
      | c64k  | 64 KiB   | 256 KiB |
      | c128k | 128 KiB  | 256 KiB |
      | c256k | 256 KiB  | 512 KiB |
      | c512k | 512 KiB  | 1 MiB   |
      | c1m   | 1 MiB    | 2 MiB   |
      | c2m   | 2 MiB    | 4 MiB   |

  @id:hdr-cluster-size-4m @rule:header.cluster_bits.max-2mib @implementation-limit
  Scenario: Clusters of 4 MiB are valid but beyond QEMU's limit
    The spec bounds cluster_bits only from below; QEMU refuses clusters over 2 MiB. The
    image holds six 4 MiB clusters and is stored gzip-compressed.

    Given a version 3 image with 4 MiB clusters and a 8 MiB virtual disk
    And guest cluster 1 holds data
    Then the outcome is an implementation limit: a reader may accept or reject the image, but must never return guest data other than the pattern

  @id:hdr-magic-wrong @rule:header.magic @must
  Scenario: A file whose magic is not 'QFI' 0xfb is not a qcow2 image
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And header field "magic" is set to 0x514649fa
    Then a reader must reject the image when opening it, citing rule "header.magic"

  @id:hdr-version-unknown @rule:header.version @must
  Scenario Outline: Version <version> is not a qcow2 version a reader knows
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And header field "version" is set to <version>
    Then a reader must reject the image when opening it, citing rule "header.version"

    Examples:
      | id | version |
      | v1 | 1       |
      | v4 | 4       |

  @id:hdr-cluster-bits-min @rule:header.cluster_bits.min @must
  Scenario Outline: Clusters smaller than 512 bytes are not allowed
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And header field "cluster_bits" is set to <bits>
    Then a reader must reject the image when opening it, citing rule "header.cluster_bits.min"

    Examples:
      | id   | bits |
      | cb8  | 8    |
      | cb0  | 0    |

  @id:hdr-header-length-min @rule:header.header_length.min @must
  Scenario: A version 3 header shorter than 104 bytes is refused
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And header field "header_length" is set to 96
    Then a reader must reject the image when opening it, citing rule "header.header_length.min"

  @id:hdr-header-length-variants @rule:header.header_length.min @rule:header.header_length.multiple-of-8 @must
  Scenario Outline: A version 3 header of <length> bytes is valid
    The fields a reader does not know (bytes 112 and up) are zero here; a reader skips
    them and finds the header extensions at header_length.

    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And the header is <length> bytes long
    And guest cluster 2 holds data
    And the image has a header extension of type 0x12345678 with 8 bytes of data
    Then the image is valid
    And the guest content matches the pattern

    Examples:
      | id   | length |
      | h104 | 104    |
      | h112 | 112    |
      | h120 | 120    |
      | h200 | 200    |

  @id:hdr-header-length-not-multiple-of-8 @rule:header.header_length.multiple-of-8 @must
  Scenario: A version 3 header length that is not a multiple of 8 is refused
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And the header is 108 bytes long
    Then a reader must reject the image when opening it, citing rule "header.header_length.multiple-of-8"

  @id:hdr-header-exceeds-cluster @rule:header.header_length.in-first-cluster @must
  Scenario: A header longer than the first cluster is refused
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And header field "header_length" is set to 1024
    Then a reader must reject the image when opening it, citing rule "header.header_length.in-first-cluster"

  @id:hdr-padding-nonzero @rule:header.padding.zero @must
  Scenario: Non-zero header padding is a corruption
    With a 112-byte header, bytes 105 to 111 are padding after compression_type; the spec
    requires them to be zero. A reader does not need them, so a check is the earliest
    moment the fault must be noticed.

    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And header byte 107 is set to 0x01
    Then a check must report corruption, citing rule "header.padding.zero"

  @id:hdr-crypt-method-unknown @rule:header.crypt_method.known @must
  Scenario: An encryption method other than none, AES or LUKS is refused
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And header field "crypt_method" is set to 3
    Then a reader must reject the image when opening it, citing rule "header.crypt_method.known"

  @id:hdr-l1-table-offset-unaligned @rule:header.l1_table_offset.aligned @must
  Scenario: An L1 table that does not start on a cluster boundary is refused
    Given a version 3 image with 1 KiB clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And header field "l1_table_offset" is increased by 512
    Then a reader must reject the image when opening it, citing rule "header.l1_table_offset.aligned"

  @id:hdr-refcount-table-offset-unaligned @rule:header.refcount_table_offset.aligned @must
  Scenario: A refcount table that does not start on a cluster boundary is refused
    Given a version 3 image with 1 KiB clusters and a 64 KiB virtual disk
    And header field "refcount_table_offset" is increased by 512
    Then a reader must reject the image when opening it, citing rule "header.refcount_table_offset.aligned"

  @id:hdr-snapshots-offset-unaligned-no-snapshots @rule:header.snapshots_offset.aligned @must
  Scenario: An unaligned snapshot table offset in an image without snapshots
    The alignment rule applies when the image has snapshots; with nb_snapshots 0 the spec
    does not say whether the offset still matters (QEMU refuses the image).

    Given a version 3 image with 1 KiB clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And header field "snapshots_offset" is set to 0x200
    Then the outcome is implementation-defined: a reader may accept or reject the image, but must never return guest data other than the pattern

  @id:hdr-incompatible-unknown @rule:header.incompatible_features.unknown @must
  Scenario Outline: An unknown incompatible feature bit makes the image unreadable
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And bit <bit> of header field "incompatible_features" is set
    Then a reader must reject the image when opening it, citing rule "header.incompatible_features.unknown"

    Examples:
      | id     | bit |
      | bit-5  | 5   |
      | bit-31 | 31  |
      | bit-63 | 63  |

  @id:hdr-compatible-reserved @rule:header.compatible_features.reserved @should
  Scenario: An unknown compatible feature bit is ignored by readers
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And bit 1 of header field "compatible_features" is set
    Then the image is valid
    And the guest content matches the pattern

  @id:hdr-autoclear-reserved @rule:header.autoclear_features.reserved @should
  Scenario: An unknown autoclear feature bit is ignored by readers
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And bit 5 of header field "autoclear_features" is set
    Then the image is valid
    And the guest content matches the pattern

  @id:hdr-autoclear-bitmaps-without-extension @rule:header.autoclear_features.bitmaps-without-extension @must
  Scenario: The bitmaps autoclear bit without a bitmaps extension is a corruption
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And bit 0 of header field "autoclear_features" is set
    Then a check must report corruption, citing rule "header.autoclear_features.bitmaps-without-extension"

  @id:hdr-refcount-order-too-large @rule:header.refcount_order.max @must
  Scenario: Refcounts wider than 64 bits are refused
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And header field "refcount_order" is set to 7
    Then a reader must reject the image when opening it, citing rule "header.refcount_order.max"

  @id:hdr-refcount-width @rule:header.refcount_order.max @must
  Scenario Outline: Refcounts of <bits> bits are valid
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And refcounts are <bits> bits wide
    And guest clusters 0 to 3 hold data
    Then the image is valid
    And the guest content matches the pattern

    Examples:
      | id  | bits |
      | r1  | 1    |
      | r2  | 2    |
      | r4  | 4    |
      | r8  | 8    |
      | r16 | 16   |
      | r32 | 32   |
      | r64 | 64   |

  @id:hdr-compression-type-unknown @rule:header.compression_type.known @must
  Scenario: A compression type other than deflate or zstd is refused
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And bit 3 of header field "incompatible_features" is set
    And header field "compression_type" is set to 2
    Then a reader must reject the image when opening it, citing rule "header.compression_type.known"

  @id:hdr-compression-type-without-bit @rule:header.compression_type.feature-bit @must
  Scenario: A zstd image without the compression type feature bit is refused
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 2 is compressed with zstd
    And bit 3 of header field "incompatible_features" is cleared
    Then a reader must reject the image when opening it, citing rule "header.compression_type.feature-bit"

  @id:hdr-compression-bit-without-type @rule:header.compression_type.feature-bit @must
  Scenario: The compression type feature bit with deflate compression is refused
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 2 holds data
    And bit 3 of header field "incompatible_features" is set
    Then a reader must reject the image when opening it, citing rule "header.compression_type.feature-bit"

  @id:hdr-backing-file-size-max @rule:header.backing_file_size.max @must
  Scenario: A backing file name longer than 1023 bytes is refused
    Given a version 3 image with 4 KiB clusters and a 64 KiB virtual disk
    And it has a qcow2 backing file in which every guest cluster holds data
    And header field "backing_file_size" is set to 1024
    Then a reader must reject the image when opening it, citing rule "header.backing_file_size.max"

  @id:hdr-l1-too-small @rule:mapping.l1_size.covers-virtual-size @must
  Scenario: An L1 table too small for the virtual disk is refused
    Given a version 3 image with 512-byte clusters and a 1 MiB virtual disk
    And guest cluster 1 holds data
    And header field "l1_size" is set to 0
    Then a reader must reject the image when opening it, citing rule "mapping.l1_size.covers-virtual-size"

  @id:hdr-l1-table-past-eof @rule:file.structure-in-bounds @must
  Scenario: An L1 table beyond the end of the file is refused
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And header field "l1_table_offset" is set to the end of the file
    And the refcount of the L1 table is set to 0
    Then a reader must reject the image when opening it, citing rule "file.structure-in-bounds"

  @id:hdr-dirty-exact-refcounts @rule:header.incompatible_features.dirty @should
  Scenario: A dirty image whose refcounts happen to be exact can be read
    The dirty bit says refcounts may be stale; a reader does not need them to read, and a
    writer must rebuild them first. Here they are exact, so the content is the pattern.

    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And bit 0 of header field "incompatible_features" is set
    Then the image is valid
    And the guest content matches the pattern

  @id:hdr-corrupt-bit @rule:header.incompatible_features.corrupt @should
  Scenario: An image marked corrupt may be refused or read, never misread
    With the corrupt bit set, the image must not be written except to repair it; whether
    a reader opens it read-only is left to the implementation.

    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And bit 1 of header field "incompatible_features" is set
    Then the outcome is implementation-defined: a reader may accept or reject the image, but must never return guest data other than the pattern

@area:extensions
Feature: Header extensions
  After the header (at header_length, or byte 72 for version 2) comes a list of
  type-length-value extensions ending with a type 0 entry, all inside the first cluster
  (spec: Header > Header extensions). Readers skip extension types they do not know.

  @id:ext-unknown-type-skipped @rule:extensions.in-first-cluster @rule:extensions.end-marker @must
  Scenario Outline: An extension of an unknown type is skipped (<length> bytes of data)
    Given a version <version> image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 3 holds data
    And the image has a header extension of type 0x12345678 with <length> bytes of data
    Then the image is valid
    And the guest content matches the pattern

    Examples:
      | id       | version | length |
      | v3-len8  | 3       | 8      |
      | v3-len5  | 3       | 5      |
      | v2-len16 | 2       | 16     |

  @id:ext-unknown-type-repeated @rule:extensions.at-most-once @rule:extensions.end-marker @must
  Scenario: An unknown extension type may appear more than once
    Only the types the spec defines are limited to one extension each; a reader skips every
    extension of a type it does not know, however many there are.

    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 3 holds data
    And the image has a header extension of type 0x12345678 with 8 bytes of data
    And the image has a header extension of type 0x12345678 with 16 bytes of data
    Then the image is valid
    And the guest content matches the pattern

  @id:ext-reordered @rule:extensions.in-first-cluster @rule:extensions.end-marker @must
  Scenario: Extensions in another order than QEMU writes them
    The spec sets no order: here an unknown extension and the feature name table come before
    the backing file format extension, and the bitmaps extension comes last.

    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 3 holds data
    And it has a qcow2 backing file in which every guest cluster holds data
    And the image has a header extension of type 0x12345678 with 8 bytes of data
    And the image has a feature name table entry of type 1 for bit 0 named "lazy refcounts"
    And the backing file format extension comes after the other extensions
    And the image has a bitmap "b" with a granularity of 512-byte
    And bitmap "b" has 4 KiB set at guest offset 0
    Then the image is valid
    And reading guest cluster 3 returns its data
    And reading guest cluster 2 returns the backing file's data
    And bitmap "b" reads as the ranges set in it
    And the guest content matches the pattern

  @id:ext-length-past-first-cluster @rule:extensions.in-first-cluster @must
  Scenario: An extension whose length runs past the first cluster is refused
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And the image has a header extension of type 0x12345678 with 8 bytes of data
    And the length field of header extension 0x12345678 is set to 4096
    Then a reader must reject the image when opening it, citing rule "extensions.in-first-cluster"

  @id:ext-backing-format-twice @rule:extensions.at-most-once @must
  Scenario: The backing file format extension appears twice
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And it has a qcow2 backing file in which every guest cluster holds data
    And the image has a header extension of type 0xe2792aca holding "qcow2"
    Then a reader must reject the image when opening it, citing rule "extensions.at-most-once"

  @id:ext-bitmaps-length @rule:extensions.bitmaps.length @must
  Scenario: A bitmaps extension that is not 24 bytes long is refused
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And bit 0 of header field "autoclear_features" is set
    And the image has a header extension of type 0x23852875 holding the bytes 00000001 00000000 0000000000000000
    Then a reader must reject the image when opening it, citing rule "extensions.bitmaps.length"

  @id:ext-bitmaps-none @rule:extensions.bitmaps.nb_bitmaps.min @must
  Scenario: A bitmaps extension that lists no bitmap is refused
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And bit 0 of header field "autoclear_features" is set
    And the image has a header extension of type 0x23852875 holding the bytes 00000000 00000000 0000000000000000 0000000000000000
    Then a reader must reject the image when opening it, citing rule "extensions.bitmaps.nb_bitmaps.min"

  @id:ext-bitmaps-reserved @rule:extensions.bitmaps.reserved @must
  Scenario: A bitmaps extension with a non-zero reserved field is refused
    Given a version 3 image with 1 KiB clusters and a 64 KiB virtual disk
    And bit 0 of header field "autoclear_features" is set
    And the image has a header extension of type 0x23852875 holding the bytes 00000001 00000001 0000000000000040 0000000000000400
    Then a reader must reject the image when opening it, citing rule "extensions.bitmaps.reserved"

  @id:ext-bitmaps-directory-unaligned @rule:extensions.bitmaps.directory_offset.aligned @must
  Scenario: A bitmap directory that does not start on a cluster boundary is refused
    Given a version 3 image with 1 KiB clusters and a 64 KiB virtual disk
    And bit 0 of header field "autoclear_features" is set
    And the image has a header extension of type 0x23852875 holding the bytes 00000001 00000000 0000000000000040 0000000000000200
    Then a reader must reject the image when opening it, citing rule "extensions.bitmaps.directory_offset.aligned"

  @id:ext-fde-missing @rule:extensions.fde.presence @must
  Scenario: A LUKS-encrypted image without the encryption header pointer is refused
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And header field "crypt_method" is set to 2
    Then a reader must reject the image when opening it, citing rule "extensions.fde.presence"

  @id:ext-fde-length @rule:extensions.fde.length @must
  Scenario: An encryption header pointer that is not 16 bytes long is refused
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And header field "crypt_method" is set to 2
    And the image has a header extension of type 0x0537be77 holding the bytes 0000000000000400
    Then a reader must reject the image when opening it, citing rule "extensions.fde.length"

  @id:ext-fde-offset-unaligned @rule:extensions.fde.offset.aligned @must
  Scenario: An encryption header that does not start on a cluster boundary is refused
    Given a version 3 image with 1 KiB clusters and a 64 KiB virtual disk
    And header field "crypt_method" is set to 2
    And the image has a header extension of type 0x0537be77 holding the bytes 0000000000000200 0000000000000400
    Then a reader must reject the image when opening it, citing rule "extensions.fde.offset.aligned"

  @id:ext-data-file-name-without-bit @rule:extensions.data_file.requires-feature-bit @should
  Scenario: An external data file name without the external data file bit is ignored
    Without incompatible bit 2 the image has no external data file, so a reader has no
    use for the name; the image reads from its own clusters.

    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And the image has a header extension of type 0x44415441 holding "data.raw"
    Then the image is valid
    And the guest content matches the pattern

  @id:ext-backing-format-16-bytes @rule:extensions.backing_format.length-max-15 @implementation-limit
  Scenario: A backing file format name of 16 bytes is beyond QEMU's limit
    The spec gives the format name string no length (spec: String header extensions); QEMU
    refuses a name of 16 bytes or more when it reads the extensions. The image has no backing
    file, so the name never selects a format to open one with: a reader may ignore it. (With a
    backing file no format of that name exists, and a reader that does not know the format
    refuses the image for that first: rule backing.format.known.)

    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And the image has a header extension of type 0xe2792aca holding "sixteen-byte-fmt"
    Then the outcome is an implementation limit: a reader may accept or reject the image, but must never return guest data other than the pattern

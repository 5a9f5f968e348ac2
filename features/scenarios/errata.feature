@area:errata
Feature: Errata: where the spec text says something other than what it means
  The kit keeps a list of known mistakes and gaps in the spec text
  (`qcow2-conformance errata`, data in spec-model's rules/errata.json). Each scenario here
  follows the corrected reading, names the erratum in its description ("errata: ID") and
  is tagged as an erratum, so that a reviewer sees at once which expectations do not follow
  the letter of the text. Errata of one spec area are in that area's file, with the same tag
  (for example the legacy AES key size in encryption.feature).

  @id:hdr-autoclear-raw-without-data-file @rule:header.autoclear_features.raw-data-without-data-file @must @erratum
  Scenario: The raw external data bit without an external data file is refused
    The spec's text names "incompatible feature bit 1" as the external data file bit; the
    external data file bit is bit 2 (bit 1 is the corrupt bit). This scenario follows bit 2
    (errata: autoclear-raw-external-data-bit-number).

    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And bit 1 of header field "autoclear_features" is set
    Then a reader must reject the image when opening it, citing rule "header.autoclear_features.raw-data-without-data-file"

  @id:err-compression-type-0-raw-deflate @rule:header.compression_type.known @rule:mapping.compressed.data @must @erratum
  Scenario: Compression type 0 clusters are raw deflate streams
    The spec calls type 0 "zlib", but its
    clusters hold raw deflate data (no zlib header, no checksum), as every image QEMU
    writes does (errata: compression-type-0-is-raw-deflate). A reader that expects a zlib
    wrapper cannot read this image.

    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 2 is compressed with deflate
    And header field "compression_type" is set to 0
    Then the image is valid
    And reading guest cluster 2 returns its data
    And the guest content matches the pattern

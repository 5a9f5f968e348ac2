@area:extensions
Feature: Feature name table
  The feature name table is an optional header extension (type 0x6803f857) that gives a
  readable name to feature bits, so that a reader refusing an unknown incompatible bit can
  say which feature it lacks (spec: Header extensions > Feature name table). Each entry
  is 48 bytes: the kind of bit (0 incompatible, 1 compatible, 2 autoclear), the bit number
  and a name of up to 46 bytes padded with zeros. The table only names bits: it never
  changes what a bit means, and a reader that ignores it reads the image the same way.

  @id:ext-feature-name-table @rule:extensions.feature_name_table.length @rule:extensions.feature_name_table.type @rule:extensions.feature_name_table.bit @must
  Scenario: A feature name table naming bits of each kind is valid
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And the image has a feature name table entry of type 0 for bit 0 named "dirty bit"
    And the image has a feature name table entry of type 1 for bit 0 named "lazy refcounts"
    And the image has a feature name table entry of type 2 for bit 0 named "bitmaps"
    Then the image is valid
    And the guest content matches the pattern

  @id:ext-feature-name-table-length @rule:extensions.feature_name_table.length @must
  Scenario: A feature name table that is not a whole number of entries is a corruption
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And the image has a feature name table entry of type 0 for bit 0 named "dirty bit"
    And the length field of header extension 0x6803f857 is set to 40
    Then a check must report corruption, citing rule "extensions.feature_name_table.length"

  @id:ext-feature-name-table-type @rule:extensions.feature_name_table.type @must
  Scenario: A feature name table entry for an unknown kind of feature bit is a corruption
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And the image has a feature name table entry of type 3 for bit 0 named "no such bitmap"
    Then a check must report corruption, citing rule "extensions.feature_name_table.type"

  @id:ext-feature-name-table-bit @rule:extensions.feature_name_table.bit @must
  Scenario: A feature name table entry for bit 64 is a corruption
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And the image has a feature name table entry of type 0 for bit 64 named "beyond 63"
    Then a check must report corruption, citing rule "extensions.feature_name_table.bit"

  @id:ftn-empty-table @rule:extensions.feature_name_table.length @must
  Scenario: An empty feature name table is valid
    Zero entries are a whole number of 48-byte entries.

    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And the image has a header extension of type 0x6803f857 with 0 bytes of data
    Then the image is valid
    And the guest content matches the pattern

  @id:ftn-name-fills-entry @rule:extensions.feature_name_table.length @must
  Scenario: A name that fills all 46 bytes has no terminating zero and is valid
    Names shorter than 46 bytes are padded with zeros; a name of exactly 46 bytes has none.

    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And the image has a feature name table entry of type 1 for bit 0 named "lazy refcounts, a name exactly 46 bytes long.."
    Then the image is valid
    And the guest content matches the pattern

  @id:ftn-names-unknown-incompatible-bit @rule:header.incompatible_features.unknown @must
  Scenario: Naming an unknown incompatible bit does not make it known
    A table entry gives the bit a name for error messages; the reader still does not
    implement the feature and must refuse the image.

    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And the image has a feature name table entry of type 0 for bit 9 named "a feature from the future"
    And bit 9 of header field "incompatible_features" is set
    Then a reader must reject the image when opening it, citing rule "header.incompatible_features.unknown"

  @id:ftn-names-unknown-compatible-bit @rule:header.compatible_features.reserved @should
  Scenario: Naming an unknown compatible bit changes nothing for a reader
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And guest cluster 1 holds data
    And the image has a feature name table entry of type 1 for bit 9 named "an optional feature"
    And bit 9 of header field "compatible_features" is set
    Then the image is valid
    And the guest content matches the pattern

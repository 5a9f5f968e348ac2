@area:data-file
Feature: External data files
  With incompatible feature bit 2 an image keeps its guest clusters in a separate data file
  and holds only metadata itself (spec: Header, incompatible_features bit 2). The data file
  is named by a string header extension (spec: Header extensions); every allocated guest
  cluster sits in it at its own guest offset, is not refcounted in the image and has the
  copied flag (spec: Cluster mapping, L2 table entry). With autoclear bit 1 (raw external
  data) the data file alone reads as the guest disk.

  The kit resolves the data file name against the image's folder, as it does backing file
  names; QEMU 7.2 resolves it against its working directory (errata:
  external-data-file-name-resolution), so the runner starts QEMU in the image's folder.

  @id:dat-valid @rule:data-file.file.readable @rule:mapping.data-file.host-offset-equals-guest @rule:mapping.l2.offset-zero-with-copied @must
  Scenario: Guest clusters are read from the data file at their guest offsets
    Guest cluster 0 sits at host offset 0 of the data file: its L2 entry is offset 0 with the
    copied flag, which means unallocated only without a data file. Without the raw bit the
    data file holds stale pattern bytes under every unallocated cluster, which a reader that
    takes the data file for a raw image would return.

    Given a version 3 image with 512-byte clusters and an 8 KiB virtual disk
    And guest clusters 0 to 2 hold data
    And guest cluster 5 holds data
    And the image keeps its guest data in an external data file
    Then the image is valid
    And reading guest cluster 0 returns its data
    And reading guest cluster 5 returns its data
    And reading guest cluster 3 returns zeros
    And the guest content matches the pattern

  @id:dat-raw-valid @rule:data-file.file.readable @rule:mapping.data-file.host-offset-equals-guest @must
  Scenario: With the raw external data bit the data file is the guest disk
    The data file holds zeros under zero and unallocated clusters, so that on its own it reads
    as the guest does; read through the image it gives the same content.

    Given a version 3 image with 512-byte clusters and an 8 KiB virtual disk
    And guest clusters 0 to 2 hold data
    And guest cluster 4 is a zero cluster
    And guest cluster 5 is a zero cluster with a preallocated host cluster
    And guest cluster 9 holds data
    And the image keeps its guest data in an external raw data file
    Then the image is valid
    And reading guest cluster 4 returns zeros
    And reading guest cluster 5 returns zeros
    And reading guest cluster 9 returns its data
    And the guest content matches the pattern

  @id:dat-zero-and-unallocated @rule:data-file.file.readable @must
  Scenario: Zero and unallocated clusters read as zeros, not as the data file's bytes
    Without the raw bit the data file holds stale pattern bytes under the zero cluster, the
    preallocated zero cluster and the unallocated cluster; none of them may be returned.

    Given a version 3 image with 512-byte clusters and an 8 KiB virtual disk
    And guest cluster 1 holds data
    And guest cluster 2 is a zero cluster
    And guest cluster 3 is a zero cluster with a preallocated host cluster
    And guest cluster 6 holds data
    And the image keeps its guest data in an external data file
    Then the image is valid
    And reading guest cluster 2 returns zeros
    And reading guest cluster 3 returns zeros
    And reading guest cluster 4 returns zeros
    And the guest content matches the pattern

  @id:dat-short-data-file @rule:data-file.file.readable @must
  Scenario: A data file that ends after its last data cluster is shorter than the disk
    Nothing maps past the end of the data file; the rest of the disk is unallocated and reads
    as zeros.

    Given a version 3 image with 512-byte clusters and an 8 KiB virtual disk
    And guest clusters 1 to 2 hold data
    And the image keeps its guest data in an external data file
    And the external data file ends after its last data cluster
    Then the image is valid
    And reading guest cluster 2 returns its data
    And reading guest cluster 12 returns zeros
    And the guest content matches the pattern

  @id:dat-with-backing @rule:data-file.file.readable @rule:backing.file.readable @must
  Scenario: Without the raw bit a data file image may have a backing file
    Unallocated clusters show the backing file, never the stale bytes in the data file.

    Given a version 3 image with 512-byte clusters and an 8 KiB virtual disk
    And guest cluster 1 holds data
    And guest cluster 3 is a zero cluster
    And it has a qcow2 backing file in which every guest cluster holds data
    And the image keeps its guest data in an external data file
    Then the image is valid
    And reading guest cluster 1 returns its data
    And reading guest cluster 2 returns the backing file's data
    And reading guest cluster 3 returns zeros
    And the guest content matches the pattern

  @id:dat-encrypted @rule:data-file.file.readable @rule:mapping.data-file.host-offset-equals-guest @must
  Scenario: The guest clusters of an encrypted image are encrypted in its data file
    The clusters sit in the data file at their guest offsets, encrypted with IVs from that
    offset, their host offset (spec: Data encryption); the LUKS area stays in the image file.
    A reader that returns the data file's bytes as they are returns ciphertext.

    Given a version 3 image with 512-byte clusters and an 8 KiB virtual disk
    And guest clusters 0 to 2 hold data
    And guest cluster 4 is a zero cluster with a preallocated host cluster
    And guest cluster 9 holds data
    And the image keeps its guest data in an external data file
    And the image is encrypted with LUKS using the passphrase "data file"
    And the LUKS cipher is aes in mode "cbc-essiv:sha256" with a 16-byte key
    Then the image is valid
    And reading guest cluster 2 returns its data
    And reading guest cluster 4 returns zeros
    And reading guest cluster 9 returns its data
    And the guest content matches the pattern

  @id:dat-missing @rule:data-file.file.readable @must
  Scenario: An image whose data file cannot be opened has no guest data to read
    The metadata is all in the image, so a check can still run; guest data cannot be read.
    Refusing the image when opening it is also correct (QEMU does).

    Given a version 3 image with 512-byte clusters and an 8 KiB virtual disk
    And guest cluster 1 holds data
    And the image keeps its guest data in an external data file
    And the external data file is missing
    Then a reader must refuse to read guest cluster 1, citing rule "data-file.file.readable"

  @id:dat-not-named @rule:data-file.file.readable @must
  Scenario: An image with the data file bit but no data file name needs one from its user
    The name extension is optional; without it, and without a data file given by the user, a
    reader has no guest data to read (refusing the image when opening it is also correct).

    Given a version 3 image with 512-byte clusters and an 8 KiB virtual disk
    And guest cluster 1 holds data
    And the image keeps its guest data in an external data file
    And the external data file is not named in the image
    Then a reader must refuse to read guest cluster 1, citing rule "data-file.file.readable"

  @id:dat-host-offset-not-guest @rule:mapping.data-file.host-offset-equals-guest @must
  Scenario Outline: A host offset other than the guest offset is refused
    Guest cluster 1's entry points at <where> of the data file instead of its own offset.

    Given a version 3 image with 512-byte clusters and an 8 KiB virtual disk
    And guest clusters 0 to 3 hold data
    And the image keeps its guest data in an external data file
    And the host offset in the L2 entry for guest cluster 1 is <change>
    Then a reader must refuse to read guest cluster 1, citing rule "mapping.data-file.host-offset-equals-guest"

    Examples:
      | id                 | where                          | change           |
      | next-cluster       | the next guest cluster's place | increased by 512 |
      | guest-cluster-zero | offset 0                       | set to 0         |

  @id:dat-host-offset-preallocated-zero @rule:mapping.data-file.host-offset-equals-guest @must
  Scenario: A preallocated zero cluster's host offset must be its guest offset too
    The zero flag says the cluster reads as zeros, but its host offset still describes where
    it is preallocated in the data file, and there only the guest offset is valid.

    Given a version 3 image with 512-byte clusters and an 8 KiB virtual disk
    And guest clusters 0 to 3 hold data
    And guest cluster 5 is a zero cluster with a preallocated host cluster
    And the image keeps its guest data in an external data file
    And the host offset in the L2 entry for guest cluster 5 is increased by 512
    Then a reader must refuse to read guest cluster 5, citing rule "mapping.data-file.host-offset-equals-guest"

  @id:dat-compressed @rule:mapping.compressed.external-data-file @must
  Scenario: A compressed cluster in an image with a data file is refused
    Bit 62 makes guest cluster 1's entry a compressed descriptor (bit 63 is cleared, since a
    compressed entry never has the copied flag, so that only the data file rule is broken).

    Given a version 3 image with 512-byte clusters and an 8 KiB virtual disk
    And guest clusters 0 to 3 hold data
    And the image keeps its guest data in an external data file
    And bit 62 of the L2 entry for guest cluster 1 is set
    And bit 63 of the L2 entry for guest cluster 1 is cleared
    Then a reader must refuse to read guest cluster 1, citing rule "mapping.compressed.external-data-file"

  @id:dat-raw-with-backing @rule:header.backing_file_offset.raw-external-data @must
  Scenario: The raw external data bit together with a backing file is a corruption
    Every guest cluster holds data, so the data file really is the guest disk and the raw bit
    is true of it; only its combination with the backing file is wrong.

    Given a version 3 image with 512-byte clusters and an 8 KiB virtual disk
    And guest clusters 0 to 15 hold data
    And it has a qcow2 backing file in which every guest cluster holds data
    And the image keeps its guest data in an external data file
    And bit 1 of header field "autoclear_features" is set
    Then a check must report corruption, citing rule "header.backing_file_offset.raw-external-data"

  @id:dat-copied-flag-clear @rule:mapping.copied-flag @must
  Scenario: A data file cluster without the copied flag is a corruption
    Clusters in the data file have an implicit refcount of 1, so every allocated entry has
    the copied flag.

    Given a version 3 image with 512-byte clusters and an 8 KiB virtual disk
    And guest clusters 0 to 3 hold data
    And the image keeps its guest data in an external data file
    And bit 63 of the L2 entry for guest cluster 2 is cleared
    Then a check must report corruption, citing rule "mapping.copied-flag"

  @id:dat-name-twice @rule:extensions.at-most-once @must
  Scenario: Two external data file name extensions are refused
    The first names a file that does not exist, the second the shipped data file; the spec
    allows one name extension, so neither is to be preferred.

    Given a version 3 image with 512-byte clusters and an 8 KiB virtual disk
    And guest cluster 1 holds data
    And the image has a header extension of type 0x44415441 holding "other.data"
    And the image keeps its guest data in an external data file
    Then a reader must reject the image when opening it, citing rule "extensions.at-most-once"

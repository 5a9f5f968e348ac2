@area:encryption
Feature: Encrypted images
  With crypt_method 2 (LUKS) the guest data clusters are encrypted with the cipher a LUKS1
  header names, and that header and its key material live in host clusters that the full
  disk encryption header pointer extension points to (spec: Header, crypt_method; Full disk
  encryption header pointer; Data encryption). The LUKS1 partition header follows
  cryptsetup's on-disk format: magic, version 1, cipher name and mode, hash, master key
  length and digest, and eight key slots, each active or disabled, whose key material (split
  into stripes) must lie inside the area and after the header. The images are written as
  qemu-img writes them (sha256 unless a scenario names another hash, 4000 stripes, key
  slot 0 active, QEMU's layout of the key material), with small PBKDF2 iteration counts so
  that they open fast. The first image has
  qemu-img's default cipher, aes-256 in xts-plain64 mode; the others use aes-128 in
  cbc-essiv:sha256 mode, whose 16-byte keys make the key material area four times smaller
  (about 516 KiB instead of 2 MiB) and keep the corpus small. Every image here
  ships the passphrase readers are given in a file next to it (manifest file role
  "passphrase"); the data's IVs come from the host sector for LUKS and from the guest sector
  for AES.

  @id:enc-luks-valid @rule:extensions.fde.presence @rule:extensions.fde.offset.aligned @must
  Scenario: A LUKS image decrypts to its data
    Data clusters, a zero cluster and a preallocated zero cluster behind a LUKS header: with
    the passphrase, the guest reads as the pattern, and nothing in it is a fault.
    Given a version 3 image with 4 KiB clusters and a 64 KiB virtual disk
    And the image is encrypted with LUKS using the passphrase "conformance"
    And guest clusters 0 to 3 hold data
    And guest cluster 5 is a zero cluster
    And guest cluster 6 is a zero cluster with a preallocated host cluster
    And guest cluster 9 holds data
    Then the image is valid
    And reading guest cluster 0 returns its data
    And reading guest cluster 4 returns zeros
    And reading guest cluster 6 returns zeros
    And the guest content matches the pattern

  @id:enc-luks-512-byte-clusters @rule:extensions.fde.offset.aligned @must
  Scenario: A LUKS area of thousands of small clusters
    With 512-byte clusters the LUKS area (header and eight key slots' material) spans about a
    thousand host clusters, each counted in the refcounts; the data clusters come
    after it, so their host sectors, which feed the IVs, are large.
    Given a version 3 image with 512-byte clusters and a 64 KiB virtual disk
    And the image is encrypted with LUKS using the passphrase "conformance"
    And the LUKS cipher is aes in mode "cbc-essiv:sha256" with a 16-byte key
    And guest clusters 0 to 2 hold data
    And guest cluster 127 holds data
    Then the image is valid
    And the guest content matches the pattern

  @id:enc-luks-aes-192-cbc @rule:extensions.fde.offset.aligned @must
  Scenario: Key material that is no whole number of sectors (aes-192 in cbc-plain64 mode)
    A 24-byte master key split into 4000 stripes is 96000 bytes of key material, 187.5
    sectors; LUKS1 gives each key slot whole sectors and encrypts the material sector by
    sector, the last one padded. The image is valid and decrypts to its data.
    Given a version 3 image with 4 KiB clusters and a 64 KiB virtual disk
    And the image is encrypted with LUKS using the passphrase "conformance"
    And the LUKS cipher is aes in mode "cbc-plain64" with a 24-byte key
    And guest clusters 0 to 3 hold data
    Then the image is valid
    And the guest content matches the pattern

  @id:enc-luks-serpent @rule:encryption.luks.cipher.known @implementation-limit
  Scenario: A LUKS image encrypted with serpent instead of aes
    LUKS1 names its cipher in the header (LUKS1 on-disk format, cipher-name), and the
    format allows more than AES; QEMU 7.2 reads and writes serpent, twofish and cast5 too.
    Here the data and the key material are encrypted with serpent-128 in cbc-essiv:sha256
    mode (ESSIV keys serpent-256 with the SHA-256 of the master key). A reader that lacks
    serpent may refuse the image, but must never return the stored bytes or data decrypted
    with another cipher as guest data.
    Given a version 3 image with 4 KiB clusters and a 64 KiB virtual disk
    And the image is encrypted with LUKS using the passphrase "conformance"
    And the LUKS cipher is serpent in mode "cbc-essiv:sha256" with a 16-byte key
    And guest clusters 0 to 3 hold data
    And guest cluster 9 holds data
    Then the outcome is an implementation limit: a reader may accept or reject the image, but must never return guest data other than the pattern
    And reading guest cluster 0 returns its data
    And reading guest cluster 5 returns zeros
    And the guest content matches the pattern

  @id:enc-luks-hash-md5 @rule:encryption.luks.hash.known @implementation-limit
  Scenario: A LUKS image whose keys are derived with md5
    The LUKS hash spec (LUKS1 on-disk format, hash-spec) serves PBKDF2 for the key slot and
    the master key digest, and the anti-forensic splitter's diffusion; LUKS1 allows hashes
    beyond the SHA-2 family, and QEMU 7.2 accepts md5, sha1, sha224, sha256, sha384, sha512
    and ripemd160. Here it is md5 (the cipher stays aes-128 in cbc-essiv:sha256 mode). A
    reader that lacks the hash may refuse the image, but must never unlock a wrong key and
    return its decryption as guest data.
    Given a version 3 image with 4 KiB clusters and a 64 KiB virtual disk
    And the image is encrypted with LUKS using the passphrase "conformance"
    And the LUKS cipher is aes in mode "cbc-essiv:sha256" with a 16-byte key
    And the LUKS hash is md5
    And guest clusters 0 to 3 hold data
    Then the outcome is an implementation limit: a reader may accept or reject the image, but must never return guest data other than the pattern
    And reading guest cluster 0 returns its data
    And the guest content matches the pattern

  @id:enc-wrong-passphrase @rule:encryption.passphrase.opens-key @must
  Scenario: A passphrase that opens no key slot gives no guest data
    The image is valid, but the passphrase readers are given is not the one key slot 0 was
    made with: a reader must refuse the image rather than return data decrypted with a key
    that the master key digest does not confirm.
    Given a version 3 image with 4 KiB clusters and a 64 KiB virtual disk
    And the image is encrypted with LUKS using the passphrase "conformance"
    And the LUKS cipher is aes in mode "cbc-essiv:sha256" with a 16-byte key
    And readers are given the passphrase "wrong"
    And guest clusters 0 to 3 hold data
    Then a reader must reject the image when opening it, citing rule "encryption.passphrase.opens-key"

  @id:enc-no-passphrase @rule:encryption.passphrase.required @must
  Scenario: Without a passphrase an encrypted image gives no guest data
    A reader that has no passphrase may open the image, but must not return the stored data
    clusters as guest data: they are encrypted (spec: Data encryption).
    Given a version 3 image with 4 KiB clusters and a 64 KiB virtual disk
    And the image is encrypted with LUKS using the passphrase "conformance"
    And the LUKS cipher is aes in mode "cbc-essiv:sha256" with a 16-byte key
    And readers are given no passphrase
    And guest clusters 0 to 3 hold data
    Then a reader must refuse to read guest cluster 0, citing rule "encryption.passphrase.required"

  @id:enc-luks-header-length-short @rule:encryption.luks.header.length @must
  Scenario: An encryption header area shorter than a LUKS header
    The pointer's length says the area ends before the 592 bytes of the LUKS partition header
    (spec: Full disk encryption header pointer, LUKS).
    Given a version 3 image with 4 KiB clusters and a 64 KiB virtual disk
    And the image is encrypted with LUKS using the passphrase "conformance"
    And the LUKS cipher is aes in mode "cbc-essiv:sha256" with a 16-byte key
    And guest clusters 0 to 3 hold data
    And field "length" of the full disk encryption header pointer is set to 512
    Then a reader must reject the image when opening it, citing rule "encryption.luks.header.length"

  @id:enc-luks-magic @rule:encryption.luks.magic @must
  Scenario: An encryption header area that does not start with the LUKS magic
    Given a version 3 image with 4 KiB clusters and a 64 KiB virtual disk
    And the image is encrypted with LUKS using the passphrase "conformance"
    And the LUKS cipher is aes in mode "cbc-essiv:sha256" with a 16-byte key
    And guest clusters 0 to 3 hold data
    And field "magic" of the LUKS header is set to 0x4c554b530000
    Then a reader must reject the image when opening it, citing rule "encryption.luks.magic"

  @id:enc-luks-payload-offset-zero @rule:encryption.luks.payload-offset.nonzero @should
  Scenario: A LUKS header whose payload offset is 0
    Inside qcow2 the payload offset is never used (the qcow2 mapping says where guest data
    is), but the LUKS header should still carry the valid value: the size of the header and
    key material. A reader may refuse the image for it (QEMU checks the key material against
    it) or ignore it; if it reads, the data must decrypt to the pattern.
    Given a version 3 image with 4 KiB clusters and a 64 KiB virtual disk
    And the image is encrypted with LUKS using the passphrase "conformance"
    And the LUKS cipher is aes in mode "cbc-essiv:sha256" with a 16-byte key
    And guest clusters 0 to 3 hold data
    And field "payload-offset" of the LUKS header is set to 0
    Then the outcome is implementation-defined: a reader may accept or reject the image, but must never return guest data other than the pattern

  @id:enc-luks-version @rule:encryption.luks.version @must
  Scenario: A LUKS header of version 2
    qcow2 stores a LUKS1 partition header; version 2 headers have another layout altogether.
    Given a version 3 image with 4 KiB clusters and a 64 KiB virtual disk
    And the image is encrypted with LUKS using the passphrase "conformance"
    And the LUKS cipher is aes in mode "cbc-essiv:sha256" with a 16-byte key
    And guest clusters 0 to 3 hold data
    And field "version" of the LUKS header is set to 2
    Then a reader must reject the image when opening it, citing rule "encryption.luks.version"

  @id:enc-luks-key-bytes @rule:encryption.luks.key-bytes.valid @must
  Scenario: A master key length that is no key length of aes
    AES keys are 16, 24 or 32 bytes long; 8 is none of them (and keeps every slot's key
    material, 8 bytes times 4000 stripes, inside its place, so nothing else is broken).
    Given a version 3 image with 4 KiB clusters and a 64 KiB virtual disk
    And the image is encrypted with LUKS using the passphrase "conformance"
    And the LUKS cipher is aes in mode "cbc-essiv:sha256" with a 16-byte key
    And guest clusters 0 to 3 hold data
    And field "key-bytes" of the LUKS header is set to 8
    Then a reader must reject the image when opening it, citing rule "encryption.luks.key-bytes.valid"

  @id:enc-luks-mk-digest-iter-zero @rule:encryption.luks.mk-digest-iterations.nonzero @must
  Scenario: A master key digest computed with zero iterations
    PBKDF2 needs at least one iteration; with none, no master key can be confirmed.
    Given a version 3 image with 4 KiB clusters and a 64 KiB virtual disk
    And the image is encrypted with LUKS using the passphrase "conformance"
    And the LUKS cipher is aes in mode "cbc-essiv:sha256" with a 16-byte key
    And guest clusters 0 to 3 hold data
    And field "mk-digest-iter" of the LUKS header is set to 0
    Then a reader must reject the image when opening it, citing rule "encryption.luks.mk-digest-iterations.nonzero"

  @id:enc-luks-key-slot-state @rule:encryption.luks.key-slot.state @must
  Scenario: A key slot that is neither active nor disabled
    Key slot 3 is unused (disabled); its state word becomes a value that is neither marker.
    Given a version 3 image with 4 KiB clusters and a 64 KiB virtual disk
    And the image is encrypted with LUKS using the passphrase "conformance"
    And the LUKS cipher is aes in mode "cbc-essiv:sha256" with a 16-byte key
    And guest clusters 0 to 3 hold data
    And field "active" of LUKS key slot 3 is set to 0x12345678
    Then a reader must reject the image when opening it, citing rule "encryption.luks.key-slot.state"

  @id:enc-luks-no-active-slot @rule:encryption.luks.key-slot.one-active @must
  Scenario: Every key slot disabled
    Key slot 0, the only active one, is marked disabled (0x0000dead): no passphrase can
    unlock the master key.
    Given a version 3 image with 4 KiB clusters and a 64 KiB virtual disk
    And the image is encrypted with LUKS using the passphrase "conformance"
    And the LUKS cipher is aes in mode "cbc-essiv:sha256" with a 16-byte key
    And guest clusters 0 to 3 hold data
    And field "active" of LUKS key slot 0 is set to 0xdead
    Then a reader must reject the image when opening it, citing rule "encryption.luks.key-slot.one-active"

  @id:enc-luks-key-slot-parameters @rule:encryption.luks.key-slot.parameters @must
  Scenario Outline: An active key slot with no <field>
    Given a version 3 image with 4 KiB clusters and a 64 KiB virtual disk
    And the image is encrypted with LUKS using the passphrase "conformance"
    And the LUKS cipher is aes in mode "cbc-essiv:sha256" with a 16-byte key
    And guest clusters 0 to 3 hold data
    And field "<field>" of LUKS key slot 0 is set to 0
    Then a reader must reject the image when opening it, citing rule "encryption.luks.key-slot.parameters"

    Examples:
      | id         | field      |
      | iterations | iterations |
      | stripes    | stripes    |

  @id:enc-luks-key-material-in-header @rule:encryption.luks.key-slot.key-material-offset @must
  Scenario: Key material that overlaps the LUKS header
    Key slot 0's material starts at sector 1 of the area, inside the 592-byte header.
    Given a version 3 image with 4 KiB clusters and a 64 KiB virtual disk
    And the image is encrypted with LUKS using the passphrase "conformance"
    And the LUKS cipher is aes in mode "cbc-essiv:sha256" with a 16-byte key
    And guest clusters 0 to 3 hold data
    And field "key-material-offset" of LUKS key slot 0 is set to 1
    Then a reader must reject the image when opening it, citing rule "encryption.luks.key-slot.key-material-offset"

  @id:enc-luks-key-material-past-area @rule:encryption.luks.key-slot.in-header-area @must
  Scenario: Key material that runs past the end of the encryption header area
    Key slot 0's material starts 4 MiB into an area of about 516 KiB (offsets count in sectors
    from the start of the area: spec, Full disk encryption header pointer).
    Given a version 3 image with 4 KiB clusters and a 64 KiB virtual disk
    And the image is encrypted with LUKS using the passphrase "conformance"
    And the LUKS cipher is aes in mode "cbc-essiv:sha256" with a 16-byte key
    And guest clusters 0 to 3 hold data
    And field "key-material-offset" of LUKS key slot 0 is set to 8192
    Then a reader must reject the image when opening it, citing rule "encryption.luks.key-slot.in-header-area"

  @id:enc-luks-compressed-cluster @rule:mapping.compressed.data @should @erratum
  Scenario: A compressed cluster in a LUKS image, stored unencrypted as QEMU stores it
    The spec says all guest data of an encrypted image is encrypted and says nothing of
    compressed clusters; QEMU 7.2 compresses them without encrypting and reads them back so
    (errata: compressed-clusters-in-encrypted-images). Whether a reader accepts such an
    image is its own choice, but it must never return other data than was written.
    Given a version 3 image with 4 KiB clusters and a 64 KiB virtual disk
    And the image is encrypted with LUKS using the passphrase "conformance"
    And the LUKS cipher is aes in mode "cbc-essiv:sha256" with a 16-byte key
    And guest clusters 0 to 1 hold data
    And guest cluster 2 is compressed with deflate
    Then the outcome is implementation-defined: a reader may accept or reject the image, but must never return guest data other than the pattern

  @id:enc-aes-valid @rule:header.crypt_method.known @must @erratum
  Scenario: A legacy AES image decrypts to its data
    crypt_method 1 encrypts each data sector with AES-CBC, the IV being the guest sector
    number (plain64). The spec says 256-bit keys; QEMU, the only writer of the method,
    derives a 128-bit key from the passphrase (errata: legacy-aes-key-size), and this image
    follows QEMU. The passphrase is no longer than the 16 bytes that make the key.
    Given a version 3 image with 4 KiB clusters and a 64 KiB virtual disk
    And the image is encrypted with AES using the passphrase "conformance"
    And guest clusters 0 to 3 hold data
    And guest cluster 7 holds data
    Then the image is valid
    And the guest content matches the pattern

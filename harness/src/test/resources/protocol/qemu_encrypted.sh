#!/bin/sh
# A protocol speaker for encrypted images on top of qemu-io: 'open IMAGE --passphrase-file=FILE'
# opens the image with a secret object that reads FILE (exit 1, one line, when QEMU refuses it);
# exit 69 for the rest.
case "$1" in
  capabilities) echo '["open", "encryption"]' ;;
  open)
    case "$3" in
      --passphrase-file=*) pass="${3#--passphrase-file=}" ;;
      *) echo "no passphrase file given" >&2; exit 1 ;;
    esac
    # QEMU's option syntax: a comma inside a value is written twice
    img=$(printf '%s' "$2" | sed 's/,/,,/g')
    pass=$(printf '%s' "$pass" | sed 's/,/,,/g')
    out=$(qemu-io -r --object "secret,id=s0,file=$pass" --image-opts \
      "driver=qcow2,file.filename=$img,encrypt.key-secret=s0" -c quit 2>&1)
    rc=$?
    if [ "$rc" -ne 0 ]; then echo "$out" | head -n 1 >&2; exit 1; fi ;;
  *) echo "$1 is not supported" >&2; exit 69 ;;
esac

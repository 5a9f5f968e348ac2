#!/bin/sh
# A protocol speaker that never answers 'open': the command adapter must time out.
case "$1" in
  capabilities) echo '["open"]' ;;
  *) exec sleep 60 ;;
esac

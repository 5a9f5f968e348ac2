#!/bin/sh
# A protocol speaker that dies by SIGSEGV on every request but 'capabilities':
# the command adapter must classify it as a crash, never as a refusal.
case "$1" in
  capabilities) echo '["open", "read-guest", "check"]' ;;
  *) kill -SEGV $$ ;;
esac

#!/usr/bin/env bash
# Make sure what the test suite talks to is there: the PostgreSQL server on 127.0.0.1:5432,
# Debian's Chromium for the browser tests, and LibreOffice to render the Word reports. Safe to
# run again.
set -u
if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium for the browser tests"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 \
    || echo "warning: could not install chromium; browser tests will fail"
fi
# Writer renders the Word reports, Calc the Excel templates (their print set-up test)
if { ! command -v soffice >/dev/null 2>&1 || ! dpkg -s libreoffice-calc-nogui >/dev/null 2>&1; } \
    && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing LibreOffice Writer and Calc and poppler for the rendering tests"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils) >/dev/null 2>&1 \
    || echo "warning: could not install LibreOffice; the Word rendering test will be skipped"
fi
exit 0

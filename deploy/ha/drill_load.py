#!/usr/bin/env python3
"""The failover drill's load, faults and checks (run by deploy/ha/drill; Python standard library
only, loopback only).

Drives bookings, ICE documents, points of release and warrant services through the app proxy
from several threads, every write with an Idempotency-Key and retried until acknowledged; kills
the PostgreSQL leader with SIGKILL, later one app process; then checks that every acknowledged
write is in the database, that every alert e-mail arrived exactly once, and that no response was
a 500. Reads, on the leader just before it is killed and on the new leader at the end, whether
every app connection and every replication connection was encrypted (pg_stat_ssl). Prints the
summary and exits 1 if any of those fails.
"""

import argparse
import json
import os
import signal
import socketserver
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone

# ---- An SMTP sink: keeps the Message-ID of every message it accepts. ----

RECEIVED = []  # (Message-ID, time accepted), one per message accepted
RECEIVED_LOCK = threading.Lock()


class SmtpHandler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        try:
            self.session()
        except OSError:
            pass  # a sender killed mid-message (the drill kills an app process)

    def session(self):
        self.reply("220 drill-sink ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode(errors="replace").strip()
            verb = cmd.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.wfile.write(b"250-drill-sink\r\n250 8BITMIME\r\n")
            elif verb == "DATA":
                self.reply("354 go ahead")
                message_id = None
                while True:
                    data = self.rfile.readline()
                    if not data or data in (b".\r\n", b".\n"):
                        break
                    text = data.decode(errors="replace")
                    if message_id is None and text.lower().startswith("message-id:"):
                        message_id = text.split(":", 1)[1].strip()
                with RECEIVED_LOCK:
                    RECEIVED.append((message_id, time.monotonic()))
                self.reply("250 accepted")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


class ThreadingSmtp(socketserver.ThreadingMixIn, socketserver.TCPServer):
    allow_reuse_address = True
    daemon_threads = True


# ---- The API, through the app proxy. ----


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.acked = {"booking": [], "document": [], "release_point": [], "service": []}
        self.failures = []  # (time, what) of failed attempts
        self.successes = []  # (start, end) of successful writes
        self.statuses = {}
        self.errors_500 = 0
        # Writes done by an attempt whose answer was lost (an app process killed after its
        # commit): a retry is refused as a duplicate and the client reads what was written.
        self.reconciled = 0


STATS = Stats()
STOP = threading.Event()


ALREADY_DONE = {"duplicate_booking_number", "duplicate_document", "release_point_already_recorded",
                "already_served"}


def request(base, token, method, path, body, key):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + "/api/v1" + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if key:
        req.add_header("Idempotency-Key", key)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw or b"null")
        except ValueError:
            return e.code, raw.decode(errors="replace")
    except Exception as e:  # connection refused/reset, timeout
        return None, str(e)


def write(base, token, path, body, want, what):
    """Sends until acknowledged (same Idempotency-Key every time); the response body."""
    key = str(uuid.uuid4())
    while True:
        start = time.monotonic()
        status, answer = request(base, token, "POST", path, body, key)
        with STATS.lock:
            STATS.statuses[status] = STATS.statuses.get(status, 0) + 1
            if status == 500:
                STATS.errors_500 += 1
        if status == want:
            with STATS.lock:
                STATS.successes.append((start, time.monotonic()))
            return answer
        code = answer.get("error", {}).get("code") if isinstance(answer, dict) else None
        if status == 409 and code in ALREADY_DONE:
            with STATS.lock:
                STATS.reconciled += 1
            return None
        if status is not None and 400 <= status < 500 and status not in (408, 409, 429):
            raise RuntimeError(f"{what}: {status} {answer}")
        with STATS.lock:
            STATS.failures.append((time.monotonic(), what))
        time.sleep(0.25)


def read(base, token, path):
    while True:
        status, answer = request(base, token, "GET", path, None, None)
        if status == 200:
            return answer
        time.sleep(0.25)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


LATEST_DEADLINE = [0.0]  # wall-clock seconds of the latest custody deadline set


def worker(n, base, officer, deadline):
    i = 0
    while time.monotonic() < deadline and not STOP.is_set():
        i += 1
        now = datetime.now(timezone.utc)
        number = f"D{n}-{i}-{uuid.uuid4().hex[:6]}"
        booking = {
            "facility": "DRILL", "booking_number": number, "last_name": "Drill", "first_name": "Person",
            "date_of_birth": "1990-04-30", "booked_at": iso(now - timedelta(hours=50)),
            "charges": [{"description": "Driving while impaired", "category": "dwi"}],
        }
        b = write(base, officer, "/bookings", booking, 201, "booking")
        if b is None:
            found = read(base, officer, f"/bookings?q={number}")
            bid = next(x["id"] for x in found if x["booking_number"] == number)
        else:
            bid = b["id"]
            with STATS.lock:
                STATS.acked["booking"].append(bid)
        doc = {"kind": "I-200", "number": f"W-{number}", "a_number": "A123456789",
               "issued_at": iso(now - timedelta(hours=49)), "received_at": iso(now - timedelta(hours=48, minutes=50))}
        d = write(base, officer, f"/bookings/{bid}/documents", doc, 201, "document")
        if d is None:
            case = read(base, officer, f"/bookings/{bid}")
            d = next(x for x in case["documents"] if x["number"] == doc["number"])
        else:
            with STATS.lock:
                STATS.acked["document"].append(d["id"])
        rp = {"at": iso(now - timedelta(hours=48, minutes=10)), "reason": "bond_posted"}
        if write(base, officer, f"/bookings/{bid}/release-point", rp, 200, "release_point") is not None:
            with STATS.lock:
                STATS.acked["release_point"].append(bid)
        # Served (as logged) 48 hours less 20-40 s ago: the deadline passes during the drill, so
        # the deadline watcher must raise its `deadline_passed` alert across the failover too.
        served_at = datetime.now(timezone.utc) - timedelta(hours=48) + timedelta(seconds=20 + (i * 7 + n) % 21)
        service = {"document_id": d["id"], "at": iso(served_at)}
        with STATS.lock:
            LATEST_DEADLINE[0] = max(LATEST_DEADLINE[0], (served_at + timedelta(hours=48)).timestamp())
        if write(base, officer, f"/bookings/{bid}/service", service, 201, "service") is not None:
            with STATS.lock:
                STATS.acked["service"].append(bid)


def psql(dsn, sql):
    out = subprocess.run(["psql", dsn, "-XAtq", "-c", sql], check=True, capture_output=True, text=True)
    return out.stdout.strip()


# Patroni's REST API is https; its certificate is checked against the drill's CA (--rest-ca).
REST_TLS = [None]  # the ssl.SSLContext, once the arguments are read


def leader(rest_ports):
    for port in rest_ports:
        try:
            with urllib.request.urlopen(f"https://127.0.0.1:{port}/primary", timeout=2,
                                        context=REST_TLS[0]) as r:
                if r.status == 200:
                    return port
        except Exception:
            pass
    return None


# ---- Encrypted connections on a leader (pg_stat_ssl) ----


def tls_report(member_dsns, member, app_roles):
    """What pg_stat_ssl says of the app's connections and of the replication connections on
    member `member` (0-based, the leader), and how each standby connects (its walreceiver's
    sslmode). A dict; "ok" only if there is at least one of each and every one is encrypted."""
    dsn = member_dsns[member]
    roles = ",".join("'%s'" % r for r in app_roles)
    try:
        # Client backends of the app's roles (through HAProxy): every row must have ssl = true.
        app = psql(dsn, "SELECT count(*), count(*) FILTER (WHERE s.ssl), "
                        "coalesce(string_agg(DISTINCT s.version || ' ' || s.cipher, ', '), '-'), "
                        "coalesce(string_agg(DISTINCT a.usename, ','), '-') "
                        "FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) "
                        f"WHERE a.backend_type = 'client backend' AND a.usename IN ({roles})").split("|")
        # Walsenders (one per standby streaming from this member): every one ssl = true.
        rows = psql(dsn, "SELECT r.application_name, r.sync_state, s.ssl, coalesce(s.version, '-') "
                         "FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid) ORDER BY 1").splitlines()
    except subprocess.CalledProcessError as e:
        return {"ok": False, "text": f"could not ask pg{member + 1}: {e.stderr.strip()}"}
    app_total, app_tls = int(app[0]), int(app[1])
    standbys, repl_tls, repl_verified = [], 0, 0
    for row in rows:
        name, state, encrypted, version = row.split("|")
        # The standby's side: its walreceiver's conninfo says whether it verifies the leader.
        mode = "?"
        if name.startswith("pg") and name[2:].isdigit() and 0 < int(name[2:]) <= len(member_dsns):
            try:
                info = psql(member_dsns[int(name[2:]) - 1], "SELECT conninfo FROM pg_stat_wal_receiver")
                mode = next((kv.split("=", 1)[1] for kv in info.split() if kv.startswith("sslmode=")), "none")
            except subprocess.CalledProcessError:
                mode = "unknown"
        repl_tls += encrypted == "t"
        repl_verified += encrypted == "t" and mode == "verify-full"
        standbys.append(f"{name} {state} " + (f"{version} sslmode={mode}" if encrypted == "t" else "NOT ENCRYPTED"))
    ok = app_total > 0 and app_tls == app_total and rows and repl_tls == repl_verified == len(rows)
    text = (f"app connections encrypted {app_tls} of {app_total} ({app[3]}; {app[2]}); "
            f"replication encrypted {repl_tls} of {len(rows)}, verify-full {repl_verified} of {len(rows)} "
            f"({', '.join(standbys) or 'none'})")
    return {"ok": bool(ok), "text": text}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--app", required=True)
    p.add_argument("--officer-token", required=True)
    p.add_argument("--dsn", required=True)
    p.add_argument("--smtp-port", type=int, required=True)
    p.add_argument("--rest-ports", required=True)  # member REST ports, comma-separated
    p.add_argument("--data-dirs", required=True)  # member data dirs, same order
    p.add_argument("--configs", required=True)  # member Patroni configuration files, same order
    p.add_argument("--member-dsns", required=True)  # a superuser DSN straight to each member, same order
    p.add_argument("--rest-ca", required=True)  # the CA of Patroni's REST API certificates
    p.add_argument("--app-roles", default="wso_app,wso_owner")  # the app's database roles
    p.add_argument("--kill-app-pid", type=int, required=True)
    # TERM: the process is stopped as systemd or an operator does (requests in flight and the
    # delivery round in progress finish); KILL: as if its machine died.
    p.add_argument("--app-signal", choices=["TERM", "KILL"], default="TERM")
    p.add_argument("--seconds", type=int, default=60)
    p.add_argument("--kill-db-at", type=int, default=15)
    p.add_argument("--kill-app-at", type=int, default=35)
    p.add_argument("--threads", type=int, default=4)
    a = p.parse_args()
    rest_ports = [int(x) for x in a.rest_ports.split(",")]
    data_dirs = a.data_dirs.split(",")
    configs = a.configs.split(",")
    member_dsns = a.member_dsns.split(",")
    app_roles = a.app_roles.split(",")
    REST_TLS[0] = ssl.create_default_context(cafile=a.rest_ca)

    sink = ThreadingSmtp(("127.0.0.1", a.smtp_port), SmtpHandler)
    threading.Thread(target=sink.serve_forever, daemon=True).start()

    t0 = time.monotonic()
    deadline = t0 + a.seconds
    threads = [threading.Thread(target=worker, args=(n, a.app, a.officer_token, deadline), daemon=True)
               for n in range(a.threads)]
    for t in threads:
        t.start()

    time.sleep(a.kill_db_at)
    port = leader(rest_ports)
    if port is None:
        sys.exit("no leader to kill")
    member = rest_ports.index(port)
    # The leader about to be killed, under load: every app and replication connection encrypted?
    tls_before = tls_report(member_dsns, member, app_roles)
    print(f"[{time.monotonic() - t0:5.1f} s] TLS on the leader pg{member + 1}: {tls_before['text']}", flush=True)
    with open(os.path.join(data_dirs[member], "postmaster.pid")) as f:
        pid = int(f.readline())
    # The whole member, as if its machine died: Patroni first (so it cannot restart its
    # PostgreSQL and keep the leader key), then PostgreSQL.
    patroni = subprocess.run(["pgrep", "-f", f"patroni {configs[member]}"], capture_output=True, text=True)
    killed_db = time.monotonic()
    for p_ in patroni.stdout.split():
        os.kill(int(p_), signal.SIGKILL)
    os.kill(pid, signal.SIGKILL)
    print(f"[{killed_db - t0:5.1f} s] SIGKILL to the leader member pg{member + 1}: Patroni "
          f"{' '.join(patroni.stdout.split())}, PostgreSQL {pid}", flush=True)

    time.sleep(max(0, a.kill_app_at - (time.monotonic() - t0)))
    os.kill(a.kill_app_pid, signal.SIGKILL if a.app_signal == "KILL" else signal.SIGTERM)
    killed_app = time.monotonic()
    print(f"[{killed_app - t0:5.1f} s] SIG{a.app_signal} to app process {a.kill_app_pid}", flush=True)

    for t in threads:
        t.join(timeout=a.seconds + 120)
    wait = max(0.0, LATEST_DEADLINE[0] + 4 - time.time())
    print(f"[{time.monotonic() - t0:5.1f} s] load stopped; waiting {wait:.0f} s for the last deadline to pass, "
          "then for the outbox to drain", flush=True)
    time.sleep(wait)
    # Until the outbox is empty, as long as it keeps shrinking (a backlog of thousands takes a
    # while); 30 s without progress is a failure, reported as missing e-mails below.
    undelivered, best, stalled = None, None, 0
    while stalled < 30:
        undelivered = int(psql(a.dsn, "SELECT count(*) FROM outbox WHERE delivered_at IS NULL"))
        if undelivered == 0:
            break
        if best is None or undelivered < best:
            best, stalled = undelivered, 0
        else:
            stalled += 1
        time.sleep(1)
    time.sleep(2)

    # ---- Checks ----
    lost = {}
    checks = {
        "booking": "SELECT count(*) FROM bookings WHERE id = ANY('{%s}'::bigint[])",
        "document": "SELECT count(*) FROM ice_documents WHERE id = ANY('{%s}'::bigint[])",
        "release_point": "SELECT count(*) FROM bookings WHERE release_point_at IS NOT NULL AND id = ANY('{%s}'::bigint[])",
        "service": "SELECT count(*) FROM bookings WHERE served_at IS NOT NULL AND id = ANY('{%s}'::bigint[])",
    }
    for what, sql in checks.items():
        ids = sorted(set(STATS.acked[what]))
        found = int(psql(a.dsn, sql % ",".join(map(str, ids)))) if ids else 0
        lost[what] = len(ids) - found
    duplicate_bookings = int(psql(a.dsn, "SELECT count(*) - count(DISTINCT booking_number) FROM bookings"))
    message_ids = [m for m in psql(a.dsn, "SELECT message_id FROM outbox").splitlines() if m]
    got, first_seen = {}, {}
    for m, at in RECEIVED:
        got[m] = got.get(m, 0) + 1
        first_seen.setdefault(m, at)
    missing_mail = sum(1 for m in message_ids if got.get(m, 0) == 0 and got.get(f"<{m}>", 0) == 0)
    duplicated_mail = sum(c - 1 for c in got.values() if c > 1)
    # With SIGKILL, a duplicate first accepted in the second before the app process was killed is
    # that process dying between the mail server's "accepted" and its record (at-least-once);
    # any other duplicate, and any with SIGTERM, is a fault.
    excused = a.app_signal == "KILL"
    duplicated_otherwise = sum(c - 1 for m, c in got.items()
                               if c > 1 and not (excused and killed_app - 1.0 <= first_seen[m] <= killed_app + 0.1))
    alerts = int(psql(a.dsn, "SELECT count(*) FROM alerts"))
    # Exactly once per alert: one outbox message (one Message-ID) per alert, however often it was
    # handed to the mail server.
    alerts_mailed_twice = int(psql(a.dsn, "SELECT count(*) FROM (SELECT alert_id FROM outbox "
                                           "GROUP BY alert_id HAVING count(*) > 1) x"))
    resent = psql(a.dsn, "SELECT count(*) FROM outbox WHERE attempts > 1")
    # Every served case's deadline has passed: the watcher raised exactly one deadline_passed.
    served = int(psql(a.dsn, "SELECT count(*) FROM bookings WHERE served_at IS NOT NULL"))
    passed_missing = int(psql(a.dsn, "SELECT count(*) FROM bookings b WHERE b.served_at IS NOT NULL AND NOT EXISTS "
                                     "(SELECT 1 FROM alerts a WHERE a.booking_id = b.id AND a.kind = 'deadline_passed')"))

    after_kill = [f for f in STATS.failures if f[0] >= killed_db]
    first_fail = after_kill[0][0] if after_kill else None
    writes_after = [s for s in STATS.successes if s[0] >= killed_db]
    first_ok = min((s[1] for s in writes_after), default=None)
    db_failures = [f for f in after_kill if f[0] < killed_app]
    outage = (db_failures[-1][0] - db_failures[0][0]) if db_failures else 0.0

    total = sum(len(set(v)) for v in STATS.acked.values())
    new_leader = leader(rest_ports)
    if new_leader is None:
        tls_after = {"ok": False, "text": "no leader to ask"}
    else:
        tls_after = tls_report(member_dsns, rest_ports.index(new_leader), app_roles)
    print()
    print("Failover drill summary")
    print(f"  acknowledged writes:             {total} "
          f"({len(set(STATS.acked['booking']))} bookings, {len(set(STATS.acked['document']))} documents, "
          f"{len(set(STATS.acked['release_point']))} points of release, {len(set(STATS.acked['service']))} services)")
    print(f"  acknowledged writes lost:        {sum(lost.values())} {lost}")
    print(f"  bookings written twice:          {duplicate_bookings}")
    print(f"  writes done but answer lost:     {STATS.reconciled} (a retry met the write; read back)")
    print(f"  writes failed (database):        {outage:.1f} s (first failed attempt to last, after the leader was killed)")
    print(f"  leader:                          pg{member + 1} killed, pg{rest_ports.index(new_leader) + 1 if new_leader else '?'} now")
    print(f"  new leader served writes after:  "
          + (f"{first_ok - killed_db:.1f} s" if first_ok else "never"))
    print(f"  alert e-mails:                   {len(message_ids)} in the outbox for {alerts} alerts, "
          f"{len(RECEIVED)} received")
    print(f"  alert e-mails missing:           {missing_mail} (undelivered in the outbox: {undelivered})")
    print(f"  deadline alerts (watcher):       {served - passed_missing} of {served} served cases got their "
          f"deadline_passed alert; missing {passed_missing}")
    print(f"  alerts e-mailed twice:           {alerts_mailed_twice} (two messages for one alert)")
    print(f"  alert e-mails duplicated:        {duplicated_otherwise} "
          + (f"(+ {duplicated_mail - duplicated_otherwise} re-sent with the same Message-ID because the killed app "
             f"process died between the mail server's acceptance and its record) " if excused else "")
          + f"(outbox rows tried more than once: {resent})")
    print(f"  responses 500:                   {STATS.errors_500}")
    print(f"  statuses seen:                   " + ", ".join(
        f"{k if k is not None else 'no answer'}: {v}" for k, v in sorted(STATS.statuses.items(), key=lambda kv: str(kv[0]))))
    # From pg_stat_ssl on the leader: at least one app connection and one walsender, all TLS.
    after_name = f"pg{rest_ports.index(new_leader) + 1}" if new_leader else "?"
    for label, report in ((f"TLS before failover (pg{member + 1}):", tls_before),
                          (f"TLS after failover ({after_name}):", tls_after)):
        print(f"  {label:<33}" + ("all encrypted: " if report["ok"] else "FAIL: ") + report["text"])
    # A message handed to the mail server by a process SIGKILLed before it could record that is
    # sent again with the same Message-ID (at-least-once, decision 0010): reported, not failed.
    ok = sum(lost.values()) == 0 and duplicate_bookings == 0 and missing_mail == 0 and duplicated_otherwise == 0 and passed_missing == 0 \
        and alerts_mailed_twice == 0 and STATS.errors_500 == 0 and first_ok is not None \
        and tls_before["ok"] and tls_after["ok"]
    print("  RESULT:                          " + ("PASS" if ok else "FAIL"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

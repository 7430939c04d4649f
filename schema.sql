-- collagenda's database. Applied by version (PRAGMA user_version): each "-- version N"
-- block runs once, in order, inside one transaction. Migrations only move forward.
-- Instants are INTEGER Unix seconds (UTC); dates are TEXT 'YYYY-MM-DD'.

-- version 1
CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  username      TEXT NOT NULL UNIQUE,
  display_name  TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('admin', 'front_desk', 'practitioner')),
  password_hash TEXT NOT NULL,
  active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at    INTEGER NOT NULL
);

-- Login sessions; only a hash of each bearer token is kept.
CREATE TABLE auth_sessions (
  token_hash  BLOB PRIMARY KEY,
  user_id     INTEGER NOT NULL REFERENCES users(id),
  csrf_token  TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  last_seen   INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX auth_sessions_user ON auth_sessions(user_id);

-- Failed logins, for throttling by username and by address.
CREATE TABLE login_failures (
  id        INTEGER PRIMARY KEY,
  at        INTEGER NOT NULL,
  username  TEXT NOT NULL,
  remote    TEXT NOT NULL
);
CREATE INDEX login_failures_user ON login_failures(username, at);
CREATE INDEX login_failures_remote ON login_failures(remote, at);

CREATE TABLE rooms (
  id      INTEGER PRIMARY KEY,
  name    TEXT NOT NULL UNIQUE,
  active  INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

-- Weekly hours in clinic-local wall-clock minutes since midnight.
CREATE TABLE availability (
  id               INTEGER PRIMARY KEY,
  practitioner_id  INTEGER NOT NULL REFERENCES users(id),
  weekday          INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
  start_min        INTEGER NOT NULL CHECK (start_min BETWEEN 0 AND 1440),
  end_min          INTEGER NOT NULL CHECK (end_min BETWEEN 0 AND 1440),
  CHECK (start_min < end_min)
);
CREATE INDEX availability_practitioner ON availability(practitioner_id, weekday);

CREATE TABLE time_off (
  id               INTEGER PRIMARY KEY,
  practitioner_id  INTEGER NOT NULL REFERENCES users(id),
  start_at         INTEGER NOT NULL,
  end_at           INTEGER NOT NULL,
  reason           TEXT NOT NULL,
  created_by       INTEGER REFERENCES users(id),
  CHECK (start_at < end_at)
);
CREATE INDEX time_off_practitioner ON time_off(practitioner_id, start_at);

-- Patients. The *_key columns hold lower-cased names and the phone's digits reversed,
-- so that prefix (and phone suffix) searches use an index.
CREATE TABLE patients (
  id             INTEGER PRIMARY KEY,
  mrn            TEXT UNIQUE,
  first_name     TEXT NOT NULL,
  last_name      TEXT NOT NULL,
  first_key      TEXT NOT NULL,
  last_key       TEXT NOT NULL,
  date_of_birth  TEXT NOT NULL,
  phone          TEXT,
  phone_rev      TEXT,
  email          TEXT,
  fitzpatrick    INTEGER CHECK (fitzpatrick BETWEEN 1 AND 6),
  notes          TEXT,
  archived       INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
);
CREATE INDEX patients_first ON patients(first_key);
CREATE INDEX patients_last ON patients(last_key, first_key);
CREATE INDEX patients_dob ON patients(date_of_birth);
CREATE INDEX patients_phone ON patients(phone_rev);
CREATE TRIGGER patients_no_delete BEFORE DELETE ON patients
BEGIN SELECT RAISE(ABORT, 'patients are archived, never deleted'); END;

-- The audit trail: a hash chain, append-only.
CREATE TABLE audit (
  id         INTEGER PRIMARY KEY,
  at         INTEGER NOT NULL,
  user_id    INTEGER,
  action     TEXT NOT NULL,
  entity     TEXT NOT NULL,
  entity_id  INTEGER,
  remote     TEXT NOT NULL,
  detail     TEXT NOT NULL DEFAULT '',
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL
);
CREATE INDEX audit_entity ON audit(entity, entity_id);
CREATE INDEX audit_user ON audit(user_id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;

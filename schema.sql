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

-- version 2
-- Catalogs: rows, editable by an admin, not constants in C.
CREATE TABLE conditions (
  code      TEXT PRIMARY KEY,
  name      TEXT NOT NULL,
  severity  TEXT NOT NULL CHECK (severity IN ('block', 'clearance', 'caution')),
  active    INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
) WITHOUT ROWID;
INSERT INTO conditions (code, name, severity) VALUES
  ('eczema', 'Eczema in the treatment area', 'block'),
  ('rosacea', 'Rosacea', 'block'),
  ('rash', 'Rash in the treatment area', 'block'),
  ('skin_infection', 'Skin infection in the treatment area', 'block'),
  ('open_wound', 'Open wound in the treatment area', 'block'),
  ('pregnant', 'Pregnant', 'clearance'),
  ('breastfeeding', 'Breastfeeding', 'clearance'),
  ('isotretinoin_12mo', 'Isotretinoin within the last 12 months', 'caution'),
  ('anticoagulants', 'Takes anticoagulants', 'caution'),
  ('keloid_history', 'History of keloid scarring', 'caution'),
  ('herpes_simplex', 'Herpes simplex (cold sores)', 'caution'),
  ('active_acne', 'Active acne', 'caution'),
  ('sunburn', 'Sunburn', 'caution'),
  ('recent_retinoids', 'Topical retinoids recently', 'caution');

CREATE TABLE treatment_types (
  code                  TEXT PRIMARY KEY,
  name                  TEXT NOT NULL,
  default_sessions      INTEGER NOT NULL CHECK (default_sessions BETWEEN 1 AND 12),
  min_interval_days     INTEGER NOT NULL CHECK (min_interval_days BETWEEN 1 AND 365),
  max_interval_days     INTEGER NOT NULL CHECK (max_interval_days BETWEEN 1 AND 365),
  default_duration_min  INTEGER NOT NULL CHECK (default_duration_min BETWEEN 5 AND 480),
  uses_prp              INTEGER NOT NULL CHECK (uses_prp IN (0, 1)),
  CHECK (min_interval_days <= max_interval_days)
) WITHOUT ROWID;
INSERT INTO treatment_types VALUES
  ('MN', 'Micro-needling', 3, 28, 42, 60, 0),
  ('MN_PRP', 'Micro-needling with PRP', 3, 28, 42, 60, 1),
  ('PRP', 'PRP injection', 3, 28, 42, 60, 1);

-- Deepest setting allowed without an override, in hundredths of a millimetre.
CREATE TABLE areas (
  code          TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  max_depth_hmm INTEGER NOT NULL CHECK (max_depth_hmm BETWEEN 20 AND 300)
) WITHOUT ROWID;
INSERT INTO areas VALUES
  ('forehead', 'Forehead', 100), ('periorbital', 'Around the eyes', 50),
  ('nose', 'Nose', 100), ('cheeks', 'Cheeks', 200), ('perioral', 'Around the mouth', 100),
  ('chin_jaw', 'Chin and jawline', 150), ('neck', 'Neck', 100),
  ('decollete', 'Décolleté', 100), ('hands', 'Backs of the hands', 50),
  ('arms', 'Arms', 150), ('abdomen', 'Abdomen', 300), ('thighs', 'Thighs', 300),
  ('buttocks', 'Buttocks', 300);

-- Screenings: a new row each time; the latest counts.
CREATE TABLE screenings (
  id           INTEGER PRIMARY KEY,
  patient_id   INTEGER NOT NULL REFERENCES patients(id),
  recorded_at  INTEGER NOT NULL,
  recorded_by  INTEGER NOT NULL REFERENCES users(id),
  notes        TEXT
);
CREATE INDEX screenings_patient ON screenings(patient_id, id);
CREATE TABLE screening_conditions (
  screening_id  INTEGER NOT NULL REFERENCES screenings(id),
  condition     TEXT NOT NULL REFERENCES conditions(code),
  PRIMARY KEY (screening_id, condition)
) WITHOUT ROWID;
CREATE TABLE clearances (
  id            INTEGER PRIMARY KEY,
  screening_id  INTEGER NOT NULL REFERENCES screenings(id),
  condition     TEXT NOT NULL REFERENCES conditions(code),
  cleared_by    TEXT NOT NULL,
  cleared_at    INTEGER NOT NULL,
  note          TEXT NOT NULL DEFAULT '',
  UNIQUE (screening_id, condition)
);

CREATE TABLE consents (
  id              INTEGER PRIMARY KEY,
  patient_id      INTEGER NOT NULL REFERENCES patients(id),
  treatment_type  TEXT NOT NULL REFERENCES treatment_types(code),
  form_version    TEXT NOT NULL,
  signed_name     TEXT NOT NULL,
  signed_at       INTEGER NOT NULL,
  recorded_by     INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX consents_patient ON consents(patient_id, treatment_type, signed_at);

CREATE TABLE plans (
  id                 INTEGER PRIMARY KEY,
  patient_id         INTEGER NOT NULL REFERENCES patients(id),
  treatment_type     TEXT NOT NULL REFERENCES treatment_types(code),
  indication         TEXT NOT NULL CHECK (indication IN ('fine_lines', 'acne_scars', 'scars',
                       'stretch_marks', 'hyperpigmentation', 'pores', 'rejuvenation')),
  planned_sessions   INTEGER NOT NULL CHECK (planned_sessions BETWEEN 1 AND 12),
  min_interval_days  INTEGER NOT NULL CHECK (min_interval_days BETWEEN 1 AND 365),
  max_interval_days  INTEGER NOT NULL CHECK (max_interval_days BETWEEN 1 AND 365),
  practitioner_id    INTEGER NOT NULL REFERENCES users(id),
  status             TEXT NOT NULL DEFAULT 'active'
                       CHECK (status IN ('active', 'completed', 'on_hold', 'cancelled')),
  notes              TEXT,
  created_at         INTEGER NOT NULL,
  created_by         INTEGER NOT NULL REFERENCES users(id),
  updated_at         INTEGER NOT NULL,
  CHECK (min_interval_days <= max_interval_days)
);
CREATE INDEX plans_patient ON plans(patient_id);
CREATE INDEX plans_status ON plans(status);
CREATE TABLE plan_areas (
  plan_id  INTEGER NOT NULL REFERENCES plans(id),
  area     TEXT NOT NULL REFERENCES areas(code),
  PRIMARY KEY (plan_id, area)
) WITHOUT ROWID;
CREATE TRIGGER plans_no_delete BEFORE DELETE ON plans
BEGIN SELECT RAISE(ABORT, 'plans are cancelled, never deleted'); END;

CREATE TABLE appointments (
  id               INTEGER PRIMARY KEY,
  patient_id       INTEGER NOT NULL REFERENCES patients(id),
  plan_id          INTEGER REFERENCES plans(id),
  session_number   INTEGER,
  kind             TEXT NOT NULL CHECK (kind IN ('consultation', 'treatment', 'review')),
  practitioner_id  INTEGER NOT NULL REFERENCES users(id),
  room_id          INTEGER NOT NULL REFERENCES rooms(id),
  start_at         INTEGER NOT NULL,
  end_at           INTEGER NOT NULL,
  status           TEXT NOT NULL DEFAULT 'booked'
                     CHECK (status IN ('booked', 'checked_in', 'completed', 'cancelled', 'no_show')),
  late_cancel      INTEGER NOT NULL DEFAULT 0 CHECK (late_cancel IN (0, 1)),
  override_reason  TEXT,
  cancel_reason    TEXT,
  notes            TEXT,
  created_at       INTEGER NOT NULL,
  created_by       INTEGER NOT NULL REFERENCES users(id),
  updated_at       INTEGER NOT NULL,
  CHECK (start_at < end_at),
  CHECK (kind <> 'treatment' OR plan_id IS NOT NULL)
);
CREATE INDEX appointments_practitioner ON appointments(practitioner_id, start_at);
CREATE INDEX appointments_room ON appointments(room_id, start_at);
CREATE INDEX appointments_patient ON appointments(patient_id, start_at);
CREATE INDEX appointments_plan ON appointments(plan_id, start_at);
CREATE INDEX appointments_start ON appointments(start_at);
CREATE TRIGGER appointments_no_delete BEFORE DELETE ON appointments
BEGIN SELECT RAISE(ABORT, 'appointments are cancelled, never deleted'); END;

-- version 3
-- Session records: one per treatment appointment; a draft until signed, then frozen by
-- the triggers below, whatever the program does. Corrections are addenda.
CREATE TABLE session_records (
  appointment_id          INTEGER PRIMARY KEY REFERENCES appointments(id),
  status                  TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'signed')),
  screening_confirmed_at  INTEGER,
  caution_reviewed        INTEGER NOT NULL DEFAULT 0 CHECK (caution_reviewed IN (0, 1)),
  consent_id              INTEGER REFERENCES consents(id),
  numbing_product         TEXT,
  numbing_applied_at      INTEGER,
  numbing_removed_at      INTEGER,
  device                  TEXT CHECK (device IN ('pen', 'roller', 'stamp')),
  device_model            TEXT,
  cartridge_lot           TEXT,
  prp_blood_ml10          INTEGER,
  prp_spin_minutes        INTEGER,
  prp_spin_rcf            INTEGER,
  prp_ml10                INTEGER,
  prp_route               TEXT CHECK (prp_route IN ('topical', 'injected')),
  prp_kit_lot             TEXT,
  endpoint                TEXT,
  aftercare_given         INTEGER NOT NULL DEFAULT 0 CHECK (aftercare_given IN (0, 1)),
  notes                   TEXT,
  signed_by               INTEGER REFERENCES users(id),
  signed_at               INTEGER,
  created_at              INTEGER NOT NULL,
  updated_at              INTEGER NOT NULL,
  updated_by              INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX session_records_cartridge_lot ON session_records(cartridge_lot);
CREATE INDEX session_records_kit_lot ON session_records(prp_kit_lot);

-- Needle depth per area in hundredths of a millimetre: exact, never a float.
CREATE TABLE session_areas (
  appointment_id   INTEGER NOT NULL REFERENCES session_records(appointment_id),
  position         INTEGER NOT NULL,
  area             TEXT NOT NULL REFERENCES areas(code),
  depth_hmm        INTEGER NOT NULL CHECK (depth_hmm BETWEEN 20 AND 300),
  passes           INTEGER,
  override_reason  TEXT,
  PRIMARY KEY (appointment_id, position)
) WITHOUT ROWID;
CREATE TABLE session_products (
  appointment_id  INTEGER NOT NULL REFERENCES session_records(appointment_id),
  position        INTEGER NOT NULL,
  name            TEXT NOT NULL,
  PRIMARY KEY (appointment_id, position)
) WITHOUT ROWID;
CREATE TABLE session_reactions (
  appointment_id  INTEGER NOT NULL REFERENCES session_records(appointment_id),
  position        INTEGER NOT NULL,
  type            TEXT NOT NULL,
  severity        INTEGER CHECK (severity BETWEEN 1 AND 3),
  PRIMARY KEY (appointment_id, position)
) WITHOUT ROWID;
CREATE TABLE session_addenda (
  id              INTEGER PRIMARY KEY,
  appointment_id  INTEGER NOT NULL REFERENCES session_records(appointment_id),
  author          INTEGER NOT NULL REFERENCES users(id),
  at              INTEGER NOT NULL,
  text            TEXT NOT NULL
);
CREATE INDEX session_addenda_record ON session_addenda(appointment_id, id);

CREATE TRIGGER session_records_signed_frozen BEFORE UPDATE ON session_records
WHEN OLD.status = 'signed'
BEGIN SELECT RAISE(ABORT, 'a signed session record never changes'); END;
CREATE TRIGGER session_records_no_delete BEFORE DELETE ON session_records
BEGIN SELECT RAISE(ABORT, 'session records are never deleted'); END;
CREATE TRIGGER session_areas_frozen_ins BEFORE INSERT ON session_areas
WHEN (SELECT status FROM session_records WHERE appointment_id = NEW.appointment_id) = 'signed'
BEGIN SELECT RAISE(ABORT, 'a signed session record never changes'); END;
CREATE TRIGGER session_areas_frozen_upd BEFORE UPDATE ON session_areas
WHEN (SELECT status FROM session_records WHERE appointment_id = OLD.appointment_id) = 'signed'
BEGIN SELECT RAISE(ABORT, 'a signed session record never changes'); END;
CREATE TRIGGER session_areas_frozen_del BEFORE DELETE ON session_areas
WHEN (SELECT status FROM session_records WHERE appointment_id = OLD.appointment_id) = 'signed'
BEGIN SELECT RAISE(ABORT, 'a signed session record never changes'); END;
CREATE TRIGGER session_products_frozen_ins BEFORE INSERT ON session_products
WHEN (SELECT status FROM session_records WHERE appointment_id = NEW.appointment_id) = 'signed'
BEGIN SELECT RAISE(ABORT, 'a signed session record never changes'); END;
CREATE TRIGGER session_products_frozen_upd BEFORE UPDATE ON session_products
WHEN (SELECT status FROM session_records WHERE appointment_id = OLD.appointment_id) = 'signed'
BEGIN SELECT RAISE(ABORT, 'a signed session record never changes'); END;
CREATE TRIGGER session_products_frozen_del BEFORE DELETE ON session_products
WHEN (SELECT status FROM session_records WHERE appointment_id = OLD.appointment_id) = 'signed'
BEGIN SELECT RAISE(ABORT, 'a signed session record never changes'); END;
CREATE TRIGGER session_reactions_frozen_ins BEFORE INSERT ON session_reactions
WHEN (SELECT status FROM session_records WHERE appointment_id = NEW.appointment_id) = 'signed'
BEGIN SELECT RAISE(ABORT, 'a signed session record never changes'); END;
CREATE TRIGGER session_reactions_frozen_upd BEFORE UPDATE ON session_reactions
WHEN (SELECT status FROM session_records WHERE appointment_id = OLD.appointment_id) = 'signed'
BEGIN SELECT RAISE(ABORT, 'a signed session record never changes'); END;
CREATE TRIGGER session_reactions_frozen_del BEFORE DELETE ON session_reactions
WHEN (SELECT status FROM session_records WHERE appointment_id = OLD.appointment_id) = 'signed'
BEGIN SELECT RAISE(ABORT, 'a signed session record never changes'); END;
CREATE TRIGGER session_addenda_no_update BEFORE UPDATE ON session_addenda
BEGIN SELECT RAISE(ABORT, 'addenda are append-only'); END;
CREATE TRIGGER session_addenda_no_delete BEFORE DELETE ON session_addenda
BEGIN SELECT RAISE(ABORT, 'addenda are append-only'); END;

-- version 4
-- Each plan's progress, kept with the plan so that the recall list is one indexed range:
-- sessions holding a time, completed ones, ones waiting to happen, the latest holding
-- session's start, and when the next session falls due (the latest start plus the
-- shortest interval) while the plan is active, started, not full, and nothing waits.
ALTER TABLE plans ADD COLUMN holding INTEGER NOT NULL DEFAULT 0;
ALTER TABLE plans ADD COLUMN completed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE plans ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
ALTER TABLE plans ADD COLUMN last_start INTEGER;
ALTER TABLE plans ADD COLUMN next_due_at INTEGER;
UPDATE plans SET
  holding = (SELECT count(*) FROM appointments a WHERE a.plan_id = plans.id
             AND a.status IN ('booked', 'checked_in', 'completed')),
  completed = (SELECT count(*) FROM appointments a WHERE a.plan_id = plans.id
               AND a.status = 'completed'),
  pending = (SELECT count(*) FROM appointments a WHERE a.plan_id = plans.id
             AND a.status IN ('booked', 'checked_in')),
  last_start = (SELECT max(start_at) FROM appointments a WHERE a.plan_id = plans.id
                AND a.status IN ('booked', 'checked_in', 'completed'));
UPDATE plans SET next_due_at = CASE
  WHEN status = 'active' AND holding > 0 AND holding < planned_sessions AND pending = 0
  THEN last_start + min_interval_days * 86400 END;
CREATE INDEX plans_due ON plans(next_due_at) WHERE next_due_at IS NOT NULL;

-- version 5
-- Name searches read only these indexes (both names and the archived flag are in them);
-- full rows are fetched for the page alone.
DROP INDEX patients_first;
DROP INDEX patients_last;
CREATE INDEX patients_first ON patients(first_key, last_key, archived);
CREATE INDEX patients_last ON patients(last_key, first_key, archived);

-- version 6
-- Busy times and conflict checks read start, end and status per practitioner, room or
-- patient; with them in the index no appointment row is read (next slots reads hundreds).
DROP INDEX appointments_practitioner;
DROP INDEX appointments_room;
DROP INDEX appointments_patient;
CREATE INDEX appointments_practitioner ON appointments(practitioner_id, start_at, end_at, status);
CREATE INDEX appointments_room ON appointments(room_id, start_at, end_at, status);
CREATE INDEX appointments_patient ON appointments(patient_id, start_at, end_at, status);

-- version 7
-- What a list of appointments shows of each patient and plan (name and record number;
-- treatment and planned sessions), in indexes a tenth the size of the rows: a day sheet
-- looks up hundreds of scattered patients and plans, and these stay in the page cache
-- where the rows do not.
CREATE INDEX patients_label ON patients(id, first_name, last_name, mrn);
CREATE INDEX plans_label ON plans(id, treatment_type, planned_sessions);

-- version 8
-- The recall list reads every column it shows of a due plan from this index, in due
-- order and then plan order: a few hundred plans fall due at a time, scattered over all
-- the plans of ten years.
DROP INDEX plans_due;
CREATE INDEX plans_due ON plans(next_due_at, id, patient_id, treatment_type, practitioner_id,
  planned_sessions, min_interval_days, max_interval_days, holding, completed, pending,
  last_start) WHERE next_due_at IS NOT NULL;

-- version 9
-- A list of appointments shows each one's patient (name, record number) and plan
-- (treatment, planned sessions). A day sheet shows hundreds, of patients scattered over
-- years of records, so each appointment row carries a copy of these. The one INSERT that
-- books (store/schedule.c) reads them from the patient and plan it names; the triggers
-- below keep every copy equal to its patient and plan in the same transaction. (An insert
-- trigger would fill them too, but costs every booking about 20 µs even when it skips.)
ALTER TABLE appointments ADD COLUMN patient_first_name TEXT NOT NULL DEFAULT '';
ALTER TABLE appointments ADD COLUMN patient_last_name TEXT NOT NULL DEFAULT '';
ALTER TABLE appointments ADD COLUMN patient_mrn TEXT;
ALTER TABLE appointments ADD COLUMN plan_treatment_type TEXT;
ALTER TABLE appointments ADD COLUMN plan_planned_sessions INTEGER;
UPDATE appointments SET
  (patient_first_name, patient_last_name, patient_mrn) =
    (SELECT first_name, last_name, mrn FROM patients p WHERE p.id = appointments.patient_id),
  (plan_treatment_type, plan_planned_sessions) =
    (SELECT treatment_type, planned_sessions FROM plans pl WHERE pl.id = appointments.plan_id);
-- An appointment is for one patient and plan for good (rescheduling moves it in time, room
-- or practitioner), so the copies never have to follow it to other owners.
CREATE TRIGGER appointments_owner_fixed BEFORE UPDATE OF patient_id, plan_id ON appointments
WHEN NEW.patient_id IS NOT OLD.patient_id OR NEW.plan_id IS NOT OLD.plan_id
BEGIN SELECT RAISE(ABORT, 'an appointment keeps its patient and plan'); END;
CREATE TRIGGER patients_labels AFTER UPDATE OF first_name, last_name, mrn ON patients
WHEN NEW.first_name IS NOT OLD.first_name OR NEW.last_name IS NOT OLD.last_name
  OR NEW.mrn IS NOT OLD.mrn
BEGIN
  UPDATE appointments SET patient_first_name = NEW.first_name,
    patient_last_name = NEW.last_name, patient_mrn = NEW.mrn
  WHERE patient_id = NEW.id;
END;
CREATE TRIGGER plans_labels AFTER UPDATE OF treatment_type, planned_sessions ON plans
WHEN NEW.treatment_type IS NOT OLD.treatment_type
  OR NEW.planned_sessions IS NOT OLD.planned_sessions
BEGIN
  UPDATE appointments SET plan_treatment_type = NEW.treatment_type,
    plan_planned_sessions = NEW.planned_sessions
  WHERE plan_id = NEW.id;
END;
DROP INDEX patients_label;
DROP INDEX plans_label;

-- version 10
-- The conditions a screening records as gone since the screening before it: a condition
-- is never dropped from a patient's record by leaving its box unticked (RULES.md rule 42).
CREATE TABLE screening_resolutions (
  screening_id  INTEGER NOT NULL REFERENCES screenings(id),
  condition     TEXT NOT NULL REFERENCES conditions(code),
  PRIMARY KEY (screening_id, condition)
) WITHOUT ROWID;
CREATE TRIGGER screening_resolutions_no_update BEFORE UPDATE ON screening_resolutions
BEGIN SELECT RAISE(ABORT, 'a screening is kept as recorded'); END;
CREATE TRIGGER screening_resolutions_no_delete BEFORE DELETE ON screening_resolutions
BEGIN SELECT RAISE(ABORT, 'a screening is kept as recorded'); END;

-- version 11
-- A failed login that its username no longer counts (after a login or an admin's unlock)
-- still counts against the address it came from.
ALTER TABLE login_failures ADD COLUMN user_cleared INTEGER NOT NULL DEFAULT 0
  CHECK (user_cleared IN (0, 1));
-- A treatment type's most sessions without an override (a series is 3-5, up to 6 for deep
-- scarring), and why a plan lies outside its type's bounds (RULES.md rule 53).
ALTER TABLE treatment_types ADD COLUMN max_sessions INTEGER NOT NULL DEFAULT 6
  CHECK (max_sessions BETWEEN 1 AND 12);
ALTER TABLE plans ADD COLUMN override_reason TEXT;

-- version 12
-- Search the way the desk types (README, "Finding a patient"). first_key and last_key are
-- now folded without accents (store/patients.c makes them with domain/text.c; SQL cannot
-- fold, so the program rebuilds every patient's keys in C when this block runs).
-- patient_keys holds, per patient, each word of either name (kind 1 first, 2 last) and
-- each tail of at least three of the phone's national digits (kind 3), so that a word
-- prefix finds "van Dijk" by "dijk" and a run of digits finds a phone anywhere in it
-- (kind 4: the common prefixes of a patient's name words, which make a count of a
-- prefix's patients two range counts; domain/text.h); the
-- row carries the sort keys and the archived flag, so a page of matches is read from this
-- table alone. phone_key is the phone's national digits, for the duplicate check.
ALTER TABLE patients ADD COLUMN phone_key TEXT;
DROP INDEX patients_phone;
DROP INDEX patients_first;
-- phone_rev (the digits reversed, for the old suffix search) is no longer written.
CREATE TABLE patient_keys (
  kind        INTEGER NOT NULL CHECK (kind IN (1, 2, 3, 4)),
  key         TEXT NOT NULL,
  patient_id  INTEGER NOT NULL REFERENCES patients(id),
  last_key    TEXT NOT NULL,
  first_key   TEXT NOT NULL,
  archived    INTEGER NOT NULL CHECK (archived IN (0, 1)),
  PRIMARY KEY (kind, key, patient_id)
) WITHOUT ROWID;
CREATE INDEX patient_keys_patient ON patient_keys(patient_id);
-- A chart merged into another (POST /patients/{id}/merge) is archived and points at the
-- chart that took its records; the pointer is set once, to another chart, for good.
ALTER TABLE patients ADD COLUMN merged_into INTEGER REFERENCES patients(id);
CREATE TRIGGER patients_merge_final BEFORE UPDATE OF merged_into ON patients
WHEN NEW.merged_into IS NOT OLD.merged_into
  AND (OLD.merged_into IS NOT NULL OR NEW.merged_into = NEW.id OR NEW.archived = 0)
BEGIN SELECT RAISE(ABORT, 'a merged chart stays merged'); END;
-- An appointment still keeps its plan for good, and its patient, except that it follows
-- its patient's chart into the chart that chart was merged into.
DROP TRIGGER appointments_owner_fixed;
CREATE TRIGGER appointments_owner_fixed BEFORE UPDATE OF patient_id, plan_id ON appointments
WHEN NEW.plan_id IS NOT OLD.plan_id OR (NEW.patient_id IS NOT OLD.patient_id
  AND NEW.patient_id IS NOT (SELECT merged_into FROM patients WHERE id = OLD.patient_id))
BEGIN SELECT RAISE(ABORT, 'an appointment keeps its patient and plan'); END;
-- The clinic's settings, one row: how dates typed with slashes read (day or month first).
CREATE TABLE clinic_settings (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  date_order  TEXT NOT NULL DEFAULT 'dmy' CHECK (date_order IN ('dmy', 'mdy'))
);
INSERT INTO clinic_settings (id) VALUES (1);

-- version 13
-- Rooms are consultation rooms or treatment rooms, and a treatment type names the kind of
-- room its sessions need (RULES.md rule 56); the rooms there were are treatment rooms.
ALTER TABLE rooms ADD COLUMN kind TEXT NOT NULL DEFAULT 'treatment'
  CHECK (kind IN ('consultation', 'treatment'));
ALTER TABLE treatment_types ADD COLUMN room_kind TEXT NOT NULL DEFAULT 'treatment'
  CHECK (room_kind IN ('consultation', 'treatment'));
-- Who last changed an appointment's status, and when: the one who checked a patient in,
-- recorded a no-show or cancelled may undo it for 5 minutes (RULES.md rule 7).
ALTER TABLE appointments ADD COLUMN status_changed_at INTEGER;
ALTER TABLE appointments ADD COLUMN status_changed_by INTEGER REFERENCES users(id);

-- version 14
-- Whether the clinic may write to a patient by e-mail and by text message, and in which
-- language (README, "Patient messages"); both off until the patient says yes. Each
-- change is kept in patient_contact_changes with who made it and when.
ALTER TABLE patients ADD COLUMN contact_email INTEGER NOT NULL DEFAULT 0
  CHECK (contact_email IN (0, 1));
ALTER TABLE patients ADD COLUMN contact_sms INTEGER NOT NULL DEFAULT 0
  CHECK (contact_sms IN (0, 1));
ALTER TABLE patients ADD COLUMN language TEXT NOT NULL DEFAULT 'en'
  CHECK (language IN ('en', 'de', 'es'));
-- When the three were last changed, and by whom (NULL: never since registration).
ALTER TABLE patients ADD COLUMN contact_changed_at INTEGER;
ALTER TABLE patients ADD COLUMN contact_changed_by INTEGER REFERENCES users(id);
CREATE TABLE patient_contact_changes (
  id             INTEGER PRIMARY KEY,
  patient_id     INTEGER NOT NULL REFERENCES patients(id),
  changed_at     INTEGER NOT NULL,
  changed_by     INTEGER REFERENCES users(id),
  contact_email  INTEGER NOT NULL CHECK (contact_email IN (0, 1)),
  contact_sms    INTEGER NOT NULL CHECK (contact_sms IN (0, 1)),
  language       TEXT NOT NULL
);
CREATE INDEX patient_contact_changes_patient ON patient_contact_changes(patient_id, id);
CREATE TRIGGER patient_contact_changes_no_update BEFORE UPDATE ON patient_contact_changes
BEGIN SELECT RAISE(ABORT, 'a contact change is kept as recorded'); END;
CREATE TRIGGER patient_contact_changes_no_delete BEFORE DELETE ON patient_contact_changes
BEGIN SELECT RAISE(ABORT, 'a contact change is kept as recorded'); END;
-- The clinic's own wording of a patient message, one row per kind, language and channel;
-- a combination without a row uses the template the program ships.
CREATE TABLE message_templates (
  kind        TEXT NOT NULL CHECK (kind IN ('confirmation', 'update', 'cancellation',
                'reminder', 'recall', 'recall_second', 'aftercare')),
  language    TEXT NOT NULL CHECK (language IN ('en', 'de', 'es')),
  channel     TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
  subject     TEXT,
  body_text   TEXT NOT NULL,
  body_html   TEXT,
  updated_by  INTEGER REFERENCES users(id),
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (kind, language, channel)
) WITHOUT ROWID;

-- version 15
-- Photo consent is its own scope (README, "Photos"): photo_clinical for the record only,
-- photo_marketing to be shown outside it. A consent is withdrawn, never deleted; the
-- photos taken under it stay in the record, flagged.
CREATE TABLE photo_consents (
  id            INTEGER PRIMARY KEY,
  patient_id    INTEGER NOT NULL REFERENCES patients(id),
  scope         TEXT NOT NULL CHECK (scope IN ('photo_clinical', 'photo_marketing')),
  form_version  TEXT NOT NULL,
  signed_name   TEXT NOT NULL,
  signed_at     INTEGER NOT NULL,
  recorded_by   INTEGER NOT NULL REFERENCES users(id),
  withdrawn_at  INTEGER,
  withdrawn_by  INTEGER REFERENCES users(id)
);
CREATE INDEX photo_consents_patient ON photo_consents(patient_id, scope, signed_at);
CREATE TRIGGER photo_consents_no_delete BEFORE DELETE ON photo_consents
BEGIN SELECT RAISE(ABORT, 'consents are withdrawn, never deleted'); END;
-- Clinical photos: the re-encoded image and its two renditions are files named by their
-- SHA-256 beside the database; a row is written only once its files are durable. A photo
-- of a signed session is frozen with it (RULES.md rule 62); an addendum may add more.
CREATE TABLE photos (
  id              INTEGER PRIMARY KEY,
  patient_id      INTEGER NOT NULL REFERENCES patients(id),
  appointment_id  INTEGER REFERENCES appointments(id),
  area            TEXT NOT NULL REFERENCES areas(code),
  angle           TEXT NOT NULL CHECK (angle IN ('front', 'left_45', 'right_45', 'left_90',
                                                 'right_90', 'close_up')),
  phase           TEXT NOT NULL CHECK (phase IN ('before', 'after', 'follow_up')),
  source_format   TEXT NOT NULL CHECK (source_format IN ('jpeg', 'png', 'webp', 'heic')),
  content_type    TEXT NOT NULL,
  width           INTEGER NOT NULL,
  height          INTEGER NOT NULL,
  sha256          TEXT NOT NULL,
  large_sha256    TEXT NOT NULL,
  thumb_sha256    TEXT NOT NULL,
  bytes           INTEGER NOT NULL,
  uploaded_by     INTEGER NOT NULL REFERENCES users(id),
  created_at      INTEGER NOT NULL,
  deleted_at      INTEGER,
  deleted_by      INTEGER REFERENCES users(id)
);
CREATE INDEX photos_patient ON photos(patient_id, area, angle, created_at);
CREATE INDEX photos_appointment ON photos(appointment_id);
CREATE TRIGGER photos_frozen_upd BEFORE UPDATE ON photos
WHEN (SELECT status FROM session_records WHERE appointment_id = OLD.appointment_id) = 'signed'
BEGIN SELECT RAISE(ABORT, 'a signed session record never changes'); END;
CREATE TRIGGER photos_no_delete BEFORE DELETE ON photos
BEGIN SELECT RAISE(ABORT, 'photos are removed from view, never deleted'); END;

-- version 16
-- Patient messages (README, "Messages to patients"): a transactional outbox. Each row is
-- written in the same transaction as the booking, move or cancellation that causes it; a
-- sender delivers the due rows and marks each sent once. idem_key names the message for
-- good (its Message-ID is made from it), so a resend after a crash is the same message.
-- A reminder is re-planned or cancelled in the transaction that moves or cancels its
-- appointment. link_used_at: the confirm/cancel link of the message was used.
CREATE TABLE messages (
  id              INTEGER PRIMARY KEY,
  kind            TEXT NOT NULL
                  CHECK (kind IN ('confirmation', 'update', 'cancellation', 'reminder')),
  appointment_id  INTEGER REFERENCES appointments(id),
  patient_id      INTEGER NOT NULL REFERENCES patients(id),
  plan_id         INTEGER REFERENCES plans(id),
  channel         TEXT NOT NULL DEFAULT 'email' CHECK (channel IN ('email')),
  recipient       TEXT NOT NULL,
  sequence        INTEGER NOT NULL DEFAULT 0,
  due_at          INTEGER NOT NULL,
  status          TEXT NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'sent', 'failed', 'cancelled')),
  tries           INTEGER NOT NULL DEFAULT 0,
  next_try_at     INTEGER NOT NULL,
  last_error      TEXT,
  idem_key        TEXT NOT NULL UNIQUE,
  message_id      TEXT NOT NULL,
  sent_at         INTEGER,
  link_used_at    INTEGER,
  created_at      INTEGER NOT NULL
);
CREATE INDEX messages_due ON messages(status, next_try_at);
CREATE INDEX messages_appointment ON messages(appointment_id);
CREATE INDEX messages_patient ON messages(patient_id, id);
-- The calendar entry's SEQUENCE (raised on every move or cancellation) and the time the
-- patient confirmed through a message's link.
ALTER TABLE appointments ADD COLUMN ical_sequence INTEGER NOT NULL DEFAULT 0;
ALTER TABLE appointments ADD COLUMN confirmed_at INTEGER;
-- Whether messages may name the treatment type (never the condition or area).
ALTER TABLE clinic_settings ADD COLUMN messages_show_treatment INTEGER NOT NULL DEFAULT 0
  CHECK (messages_show_treatment IN (0, 1));
-- The key that signs the links in messages, made once by the server.
CREATE TABLE message_keys (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  key  TEXT NOT NULL CHECK (length(key) = 64)
);

-- version 17
-- Name search reads prefixes rather than words: each start of a word of either name, of
-- one to six characters, once per patient, with the patient's sort keys, so that a
-- prefix typed is one key whose rows are already in name order (a count and a page
-- without a sort). A longer prefix is looked up by its first six characters and checked
-- against the names in the rows (store/patients.c). The program fills the table when this
-- block runs. patient_keys keeps the phone tails (kind 3) only.
CREATE TABLE patient_prefixes (
  prefix      TEXT NOT NULL,
  last_key    TEXT NOT NULL,
  first_key   TEXT NOT NULL,
  patient_id  INTEGER NOT NULL REFERENCES patients(id),
  archived    INTEGER NOT NULL CHECK (archived IN (0, 1)),
  PRIMARY KEY (prefix, last_key, first_key, patient_id)
) WITHOUT ROWID;
CREATE INDEX patient_prefixes_patient ON patient_prefixes(patient_id);
DELETE FROM patient_keys WHERE kind <> 3;

-- version 18
-- Every kind of patient message, by e-mail or SMS: recalls and aftercare join the
-- appointment messages, and a reminder may go by SMS. claimed_until and claimed_by: the
-- sender that took a due row to deliver it, and until when the row is its own; another
-- sender on the same database (several servers on one PostgreSQL database) leaves it
-- alone until then. SQLite cannot change a CHECK, so the table is made anew.
CREATE TABLE messages_v18 (
  id              INTEGER PRIMARY KEY,
  kind            TEXT NOT NULL
                  CHECK (kind IN ('confirmation', 'update', 'cancellation', 'reminder',
                                  'recall', 'recall_second', 'aftercare')),
  appointment_id  INTEGER REFERENCES appointments(id),
  patient_id      INTEGER NOT NULL REFERENCES patients(id),
  plan_id         INTEGER REFERENCES plans(id),
  channel         TEXT NOT NULL DEFAULT 'email' CHECK (channel IN ('email', 'sms')),
  recipient       TEXT NOT NULL,
  sequence        INTEGER NOT NULL DEFAULT 0,
  due_at          INTEGER NOT NULL,
  status          TEXT NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'sent', 'failed', 'cancelled')),
  tries           INTEGER NOT NULL DEFAULT 0,
  next_try_at     INTEGER NOT NULL,
  last_error      TEXT,
  idem_key        TEXT NOT NULL UNIQUE,
  message_id      TEXT NOT NULL,
  sent_at         INTEGER,
  link_used_at    INTEGER,
  created_at      INTEGER NOT NULL,
  claimed_until   INTEGER,
  claimed_by      TEXT
);
INSERT INTO messages_v18 (id, kind, appointment_id, patient_id, plan_id, channel, recipient,
  sequence, due_at, status, tries, next_try_at, last_error, idem_key, message_id, sent_at,
  link_used_at, created_at)
SELECT id, kind, appointment_id, patient_id, plan_id, channel, recipient, sequence, due_at,
  status, tries, next_try_at, last_error, idem_key, message_id, sent_at, link_used_at,
  created_at FROM messages;
DROP TABLE messages;
ALTER TABLE messages_v18 RENAME TO messages;
CREATE INDEX messages_due ON messages(status, next_try_at);
CREATE INDEX messages_appointment ON messages(appointment_id);
CREATE INDEX messages_patient ON messages(patient_id, id);
CREATE INDEX messages_plan ON messages(plan_id);

-- version 19
-- When the reminders go (hours before the appointment, per channel; 0: none), the quiet
-- hours no text message goes in (minutes after clinic-local midnight; start = end: none),
-- and the clinic's phone number that messages give. messages.segments: how many parts a
-- sent text message took (NULL for e-mail).
ALTER TABLE clinic_settings ADD COLUMN reminder_email_hours INTEGER NOT NULL DEFAULT 48
  CHECK (reminder_email_hours BETWEEN 0 AND 336);
ALTER TABLE clinic_settings ADD COLUMN reminder_sms_hours INTEGER NOT NULL DEFAULT 24
  CHECK (reminder_sms_hours BETWEEN 0 AND 336);
ALTER TABLE clinic_settings ADD COLUMN quiet_start_min INTEGER NOT NULL DEFAULT 1200
  CHECK (quiet_start_min BETWEEN 0 AND 1439);
ALTER TABLE clinic_settings ADD COLUMN quiet_end_min INTEGER NOT NULL DEFAULT 480
  CHECK (quiet_end_min BETWEEN 0 AND 1439);
ALTER TABLE clinic_settings ADD COLUMN clinic_phone TEXT;
ALTER TABLE messages ADD COLUMN segments INTEGER;

-- version 20
-- The clinic's own aftercare advice per treatment type, in plain words for the patient
-- (NULL: the aftercare template's general advice). The shipped types start with the
-- general advice as one paragraph.
ALTER TABLE treatment_types ADD COLUMN aftercare_text TEXT;
UPDATE treatment_types SET aftercare_text = 'Keep your skin clean and moist, avoid very hot or very cold temperatures and the sun, and use the hyaluronic acid we recommended. Some redness for a few days is expected.'
  WHERE code IN ('MN', 'MN_PRP', 'PRP');

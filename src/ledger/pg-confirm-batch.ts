/**
 * The PostgreSQL group commit as one server-side function: a batch of confirms is one statement, one
 * round trip, instead of BEGIN, three statements and COMMIT. A single statement is its own transaction,
 * so the batch is still all or nothing; what changes is that the section's count row is locked for the
 * time the server needs, not for four client round trips through a busy event loop (which is what kept
 * the next batch waiting). Measured in bench/scenarios/hot-section.ts.
 *
 * The name carries a version: a release that changes the function adds a new name, so instances of the
 * old and the new release can run side by side during an upgrade. v1 (migration 3) and v2 (migration 6)
 * stay for them; this release calls v3 (migration 8).
 *
 * Why v2: v1 looked its batch's reservations up by hold id twice per call, after inserting them. PL/pgSQL
 * keeps a statement's plan for the session, and a plan made while the table was small (a new database,
 * the first minutes of an on-sale) scans the whole table. Those scans grew with every sale: in the
 * hot-section bench a GA batch cost 2.7 ms of PostgreSQL time instead of 0.8, and confirms per second
 * fell by a fifth. v2 answers from the rows its INSERT returned and reads the table only for holds it did
 * not insert (a retry, a fenced hold), which a rush never has.
 *
 * Why v3: v2 inserted the sold seats with ON CONFLICT DO NOTHING, then counted what it wrote to refuse the
 * batch when a seat was sold already. PostgreSQL carries out such an insert speculatively: every seat row
 * probed its unique index first and wrote a second WAL record to confirm itself. The conflict refuses the
 * whole batch either way, so v3 lets the seat's unique key raise it (23505, read as a refused batch like
 * SL409) and skips the seat statement in a batch without seats: about 10 µs of PostgreSQL time less a
 * seated confirm of two seats, measured on the function alone (bench/HISTORY.md).
 */

export const CONFIRM_BATCH_FUNCTION = 'seatlock_confirm_batch_v3'
/** The previous releases' functions, still called by their instances during an upgrade. */
export const CONFIRM_BATCH_V2_FUNCTION = 'seatlock_confirm_batch_v2'
export const CONFIRM_BATCH_V1_FUNCTION = 'seatlock_confirm_batch_v1'

/**
 * SQLSTATE the function raises when the batch would be refused (a count short, a reservation id taken; a seat
 * sold, in v1 and v2: v3 leaves that to the seat's unique key, 23505).
 */
export const BATCH_REFUSED_SQLSTATE = 'SL409'

/**
 * Inputs are parallel arrays (one element per hold, per seat, per hold and section); hold ids are unique. Only holds whose
 * reservation this call inserted sell seats and units: a hold confirmed before (a retry) or fenced
 * (voidHold) already has its row, and the function answers that row with created = false.
 */
const SIGNATURE = `(
  p_event text, p_ids text[], p_hold_ids text[], p_holders text[], p_items text[], p_amounts bigint[],
  p_currencies text[], p_payment_refs text[], p_token_hashes text[], p_created timestamptz[],
  p_seat_sections text[], p_seats text[], p_seat_reservations text[],
  p_unit_reservations text[], p_unit_sections text[], p_unit_kinds text[], p_units int[])
RETURNS TABLE (created boolean, id text, hold_id text, event_id text, holder text, items jsonb, amount bigint,
               currency char(3), status text, payment_ref text, token_hash text, created_at timestamptz,
               cancelled_at timestamptz)
`

/** Step 1's insert of the reservations, the same in every version (each says what it returns). */
const INSERT_RESERVATIONS = `    INSERT INTO seatlock_reservations
      (id, hold_id, event_id, holder, items, amount, currency, status, payment_ref, token_hash, created_at)
    SELECT u.id, u.hold_id, p_event, u.holder, u.items::jsonb, u.amount, u.currency, 'confirmed', u.payment_ref,
           u.token_hash, u.created_at
    FROM unnest(p_ids, p_hold_ids, p_holders, p_items, p_amounts, p_currencies, p_payment_refs, p_token_hashes,
                p_created) WITH ORDINALITY AS u(id, hold_id, holder, items, amount, currency, payment_ref,
                                                token_hash, created_at, ord)
    ORDER BY u.ord
    ON CONFLICT DO NOTHING
`

/** Step 3 of every version: `fresh` holds the ids of the reservations this call inserted. */
const COUNT_STEP = `  -- 3. One guarded update per section, in byte order of the section ids (the order every batch locks in).
  FOR section IN
    SELECT u.section_id, min(u.kind) AS kind, count(DISTINCT u.kind) AS kinds, sum(u.units)::int AS units
    FROM unnest(p_unit_reservations, p_unit_sections, p_unit_kinds, p_units) AS u(reservation_id, section_id, kind, units)
    WHERE u.reservation_id = ANY (fresh)
    GROUP BY u.section_id
    ORDER BY u.section_id COLLATE "C"
  LOOP
    sold_kind := NULL;
    UPDATE seatlock_sections s SET remaining = s.remaining - section.units
    WHERE s.event_id = p_event AND s.section_id = section.section_id AND s.remaining >= section.units
    RETURNING s.kind INTO sold_kind;
    IF sold_kind IS NULL OR sold_kind <> section.kind OR section.kinds <> 1 THEN
      RAISE EXCEPTION 'section % cannot take % units', section.section_id, section.units
        USING ERRCODE = '${BATCH_REFUSED_SQLSTATE}';
    END IF;
  END LOOP;

`

/** Steps 2 and 3 of v1 and v2. */
const SELL_STEPS = `  -- 2. The sold seats of the new reservations; a seat already sold is skipped, and then refuses the batch.
  INSERT INTO seatlock_sold_seats (event_id, section_id, seat, reservation_id)
  SELECT p_event, u.section_id, u.seat, u.reservation_id
  FROM unnest(p_seat_sections, p_seats, p_seat_reservations) WITH ORDINALITY AS u(section_id, seat, reservation_id, ord)
  WHERE u.reservation_id = ANY (fresh)
  ORDER BY u.ord
  ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS written = ROW_COUNT;
  SELECT count(*) INTO wanted FROM unnest(p_seat_reservations) AS r(reservation_id) WHERE r.reservation_id = ANY (fresh);
  IF written <> wanted THEN
    RAISE EXCEPTION 'a seat of the batch is already sold' USING ERRCODE = '${BATCH_REFUSED_SQLSTATE}';
  END IF;

${COUNT_STEP}`

/**
 * Steps 2 and 3 of v3: a seat sold already (or by a batch in flight, once that one commits) fails the insert
 * on the seat's unique key, which refuses the batch; a batch without seats skips the insert.
 */
const SELL_STEPS_V3 = `  -- 2. The sold seats of the new reservations.
  IF cardinality(p_seats) > 0 THEN
    INSERT INTO seatlock_sold_seats (event_id, section_id, seat, reservation_id)
    SELECT p_event, u.section_id, u.seat, u.reservation_id
    FROM unnest(p_seat_sections, p_seats, p_seat_reservations) WITH ORDINALITY AS u(section_id, seat, reservation_id, ord)
    WHERE u.reservation_id = ANY (fresh)
    ORDER BY u.ord;
  END IF;

${COUNT_STEP}`

export const CONFIRM_BATCH_V1_SQL = `
CREATE OR REPLACE FUNCTION ${CONFIRM_BATCH_V1_FUNCTION}${SIGNATURE}LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  fresh text[];
  written int;
  wanted int;
  section record;
  sold_kind text;
BEGIN
  -- 1. The reservations, in the order given (hold-id order: the order concurrent batches lock in).
  WITH inserted AS (
${INSERT_RESERVATIONS}    RETURNING seatlock_reservations.id)
  SELECT coalesce(array_agg(inserted.id), '{}') INTO fresh FROM inserted;

${SELL_STEPS}  -- A reservation id some other hold already uses: nothing of the batch may commit.
  SELECT count(*) INTO written FROM seatlock_reservations r WHERE r.hold_id = ANY (p_hold_ids);
  IF written <> cardinality(p_hold_ids) THEN
    RAISE EXCEPTION 'a reservation id of the batch is taken' USING ERRCODE = '${BATCH_REFUSED_SQLSTATE}';
  END IF;

  RETURN QUERY
  SELECT r.id = ANY (fresh), r.id, r.hold_id, r.event_id, r.holder, r.items, r.amount, r.currency, r.status,
         r.payment_ref, r.token_hash, r.created_at, r.cancelled_at
  FROM seatlock_reservations r
  WHERE r.hold_id = ANY (p_hold_ids);
END
$fn$`

/**
 * v2 and later: the rows the INSERT returned answer the batch (see "Why v2"). `sellSteps`: steps 2 and 3;
 * `extraDeclarations`: the variables they need beyond the others.
 */
function answeringBatchSql(name: string, sellSteps: string, extraDeclarations = ''): string {
  return `
CREATE OR REPLACE FUNCTION ${name}${SIGNATURE}LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  fresh_rows seatlock_reservations[];
  fresh text[];
  others text[];
  written int;
${extraDeclarations}  section record;
  sold_kind text;
BEGIN
  -- 1. The reservations, in the order given (hold-id order: the order concurrent batches lock in); the rows
  -- written are kept, so the answer needs no read of the table.
  WITH inserted AS (
${INSERT_RESERVATIONS}    RETURNING seatlock_reservations.*)
  SELECT coalesce(array_agg(ROW(inserted.*)::seatlock_reservations), '{}') INTO fresh_rows FROM inserted;
  fresh := ARRAY(SELECT f.id FROM unnest(fresh_rows) AS f);
  -- The holds this call did not insert: confirmed before, fenced, or (refused below) their reservation id
  -- taken by another hold. A rush has none.
  others := ARRAY(SELECT h.id FROM unnest(p_hold_ids) AS h(id)
                  WHERE h.id <> ALL (ARRAY(SELECT f.hold_id FROM unnest(fresh_rows) AS f)));

${sellSteps}  -- A reservation id some other hold already uses: nothing of the batch may commit.
  IF cardinality(others) > 0 THEN
    SELECT count(*) INTO written FROM seatlock_reservations r WHERE r.hold_id = ANY (others);
    IF written <> cardinality(others) THEN
      RAISE EXCEPTION 'a reservation id of the batch is taken' USING ERRCODE = '${BATCH_REFUSED_SQLSTATE}';
    END IF;
  END IF;

  RETURN QUERY
  SELECT true, f.id, f.hold_id, f.event_id, f.holder, f.items, f.amount, f.currency, f.status, f.payment_ref,
         f.token_hash, f.created_at, f.cancelled_at
  FROM unnest(fresh_rows) AS f;
  IF cardinality(others) > 0 THEN
    RETURN QUERY
    SELECT false, r.id, r.hold_id, r.event_id, r.holder, r.items, r.amount, r.currency, r.status, r.payment_ref,
           r.token_hash, r.created_at, r.cancelled_at
    FROM seatlock_reservations r
    WHERE r.hold_id = ANY (others);
  END IF;
END
$fn$`
}

export const CONFIRM_BATCH_V2_SQL = answeringBatchSql(
  CONFIRM_BATCH_V2_FUNCTION,
  SELL_STEPS,
  '  wanted int;\n',
)

export const CONFIRM_BATCH_SQL = answeringBatchSql(CONFIRM_BATCH_FUNCTION, SELL_STEPS_V3)

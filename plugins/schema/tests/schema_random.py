#!/usr/bin/env python3
"""Random DDL changes for the schema plugin's randomised test.

    schema_random.py SEED N ROLE OUTDIR

writes OUTDIR/setup.sql (objects to create on both sides: a scratch schema
"rnd" next to the test database), OUTDIR/changes.sql (N changes to apply to green only)
and OUTDIR/expected.txt (the findings those changes must give, one
"code severity object" per line, sorted). ROLE is an existing role that
ownership changes may use.

Each change claims the object it touches, so no two changes meet (a column
changed on a table another change drops); the expected findings of a change
follow the rules in share/doc/checks/schema.md, including the knock-on ones
(a dropped middle column moves the columns after it).
"""
import random
import sys

N_TABLES = 14
ROLE = ["postgres"]   # set from the command line
COLUMNS = ["id", "a", "b", "c", "d", "e", "f"]


def setup_sql():
    out = ["CREATE SCHEMA rnd;",
           "CREATE FUNCTION rnd.touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;",
           "CREATE TABLE rnd.vbase (id int PRIMARY KEY, x int, y text);",
           "CREATE PUBLICATION rnd_pub FOR TABLE rnd.vbase;",
           "CREATE TABLE rnd.pt (k int, v text) PARTITION BY RANGE (k);",
           "CREATE TABLE rnd.pt_1 PARTITION OF rnd.pt FOR VALUES FROM (0) TO (100);"]
    for i in range(N_TABLES):
        out += [f"CREATE TABLE rnd.t{i} (id int PRIMARY KEY, a int, b varchar(20), c text, "
                f"d numeric(10,2), e timestamptz DEFAULT now(), f boolean);",
                f"CREATE INDEX t{i}_c_idx ON rnd.t{i} (c);",
                f"ALTER TABLE rnd.t{i} ADD CONSTRAINT t{i}_a_chk CHECK (a >= 0);",
                f"CREATE TRIGGER t{i}_trg BEFORE UPDATE ON rnd.t{i} FOR EACH ROW EXECUTE FUNCTION rnd.touch();",
                f"GRANT SELECT ON rnd.t{i} TO PUBLIC;"]
    for i in range(4):
        out += [f"CREATE SEQUENCE rnd.s{i};",
                f"CREATE VIEW rnd.v{i} AS SELECT id, x FROM rnd.vbase;",
                f"CREATE FUNCTION rnd.f{i}(int) RETURNS int LANGUAGE sql AS 'SELECT $1';",
                f"CREATE TYPE rnd.e{i} AS ENUM ('a', 'b', 'c');",
                f"CREATE DOMAIN rnd.dom{i} AS int CONSTRAINT dom{i}_pos CHECK (VALUE > 0);",
                f"CREATE TYPE rnd.comp{i} AS (p int, q text);"]
    for i in range(2):
        out.append(f"CREATE MATERIALIZED VIEW rnd.mv{i} AS SELECT id, y FROM rnd.vbase;")
    out += ["CREATE TABLE rnd.ibase (id int, note text);",
            "CREATE TABLE rnd.ichild () INHERITS (rnd.ibase);",
            "CREATE TABLE rnd.iloner (id int, note text);",
            "CREATE TABLE rnd.pq (k int, v text, w int DEFAULT 0) PARTITION BY LIST (k);",
            "CREATE TABLE rnd.pq_1 PARTITION OF rnd.pq FOR VALUES IN (1);",
            "CREATE TABLE rnd.pq_2 PARTITION OF rnd.pq FOR VALUES IN (2);",
            "CREATE TABLE rnd.gen (a int, g int GENERATED ALWAYS AS (a * 2) STORED);",
            "CREATE VIEW rnd.vlit AS SELECT id, 'vbase.x'::text AS tag FROM rnd.vbase;",
            "CREATE FUNCTION rnd.fbody() RETURNS text LANGUAGE sql AS $$SELECT 'one \ntwo'$$;",
            "CREATE COLLATION rnd.coll1 (locale = 'C');"]
    return out


# Each maker takes (rng, target) and returns (sql, [(code, severity, object)]).

def table_changes(role):
    def drop_column(rng, t):
        col = rng.choice(["b", "d", "e", "f"])
        later = COLUMNS[COLUMNS.index(col) + 1:]
        return (f"ALTER TABLE rnd.{t} DROP COLUMN {col};",
                [("schema.column.dropped", "critical", f"rnd.{t}.{col}")] +
                [("schema.column.position_changed", "info", f"rnd.{t}.{c}") for c in later])

    return {
        "drop_table": lambda r, t: (f"DROP TABLE rnd.{t};", [("schema.table.dropped", "critical", f"rnd.{t}")]),
        "add_column": lambda r, t: (f"ALTER TABLE rnd.{t} ADD COLUMN n1 text;",
                                    [("schema.column.added", "info", f"rnd.{t}.n1")]),
        "add_column_not_null": lambda r, t: (f"ALTER TABLE rnd.{t} ADD COLUMN n2 int NOT NULL;",
                                             [("schema.column.added", "error", f"rnd.{t}.n2")]),
        "add_column_default": lambda r, t: (f"ALTER TABLE rnd.{t} ADD COLUMN n3 int NOT NULL DEFAULT 0;",
                                            [("schema.column.added", "info", f"rnd.{t}.n3")]),
        "drop_column": drop_column,
        "widen_type": lambda r, t: (f"ALTER TABLE rnd.{t} ALTER b TYPE varchar(40);",
                                    [("schema.column.type_changed", "warning", f"rnd.{t}.b")]),
        "narrow_type": lambda r, t: (f"ALTER TABLE rnd.{t} ALTER b TYPE varchar(10);",
                                     [("schema.column.type_changed", "error", f"rnd.{t}.b")]),
        "numeric_type": lambda r, t: (f"ALTER TABLE rnd.{t} ALTER d TYPE numeric(8,2);",
                                      [("schema.column.type_changed", "error", f"rnd.{t}.d")]),
        "int_to_bigint": lambda r, t: (f"ALTER TABLE rnd.{t} ALTER a TYPE bigint;",
                                       [("schema.column.type_changed", "warning", f"rnd.{t}.a")]),
        "set_not_null": lambda r, t: (f"ALTER TABLE rnd.{t} ALTER c SET NOT NULL;",
                                      [("schema.column.nullability_changed", "error", f"rnd.{t}.c")]),
        "set_default": lambda r, t: (f"ALTER TABLE rnd.{t} ALTER a SET DEFAULT 7;",
                                     [("schema.column.default_changed", "warning", f"rnd.{t}.a")]),
        "drop_default": lambda r, t: (f"ALTER TABLE rnd.{t} ALTER e DROP DEFAULT;",
                                      [("schema.column.default_changed", "warning", f"rnd.{t}.e")]),
        "storage": lambda r, t: (f"ALTER TABLE rnd.{t} ALTER c SET STORAGE EXTERNAL;",
                                 [("schema.column.storage_changed", "info", f"rnd.{t}.c")]),
        "collation": lambda r, t: (f"ALTER TABLE rnd.{t} ALTER c TYPE text COLLATE \"C\";",
                                   [("schema.column.collation_changed", "warning", f"rnd.{t}.c")]),
        "add_check": lambda r, t: (f"ALTER TABLE rnd.{t} ADD CONSTRAINT {t}_d_chk CHECK (d > 0);",
                                   [("schema.constraint.added", "error", f"rnd.{t}.{t}_d_chk")]),
        "add_check_not_valid": lambda r, t: (
            f"ALTER TABLE rnd.{t} ADD CONSTRAINT {t}_f_chk CHECK (f) NOT VALID;",
            [("schema.constraint.added", "error", f"rnd.{t}.{t}_f_chk")]),
        "drop_check": lambda r, t: (f"ALTER TABLE rnd.{t} DROP CONSTRAINT {t}_a_chk;",
                                    [("schema.constraint.dropped", "warning", f"rnd.{t}.{t}_a_chk")]),
        "change_check": lambda r, t: (
            f"ALTER TABLE rnd.{t} DROP CONSTRAINT {t}_a_chk, ADD CONSTRAINT {t}_a_chk CHECK (a > 0);",
            [("schema.constraint.definition_changed", "error", f"rnd.{t}.{t}_a_chk")]),
        "add_unique": lambda r, t: (f"ALTER TABLE rnd.{t} ADD CONSTRAINT {t}_b_key UNIQUE (b);",
                                    [("schema.constraint.added", "error", f"rnd.{t}.{t}_b_key"),
                                     ("schema.index.added", "warning", f"rnd.{t}_b_key")]),
        "add_fk": lambda r, t: (f"ALTER TABLE rnd.{t} ADD CONSTRAINT {t}_a_fk FOREIGN KEY (a) REFERENCES rnd.vbase (id);",
                                [("schema.constraint.added", "error", f"rnd.{t}.{t}_a_fk")]),
        "drop_pk": lambda r, t: (f"ALTER TABLE rnd.{t} DROP CONSTRAINT {t}_pkey;",
                                 [("schema.constraint.dropped", "error", f"rnd.{t}.{t}_pkey"),
                                  ("schema.index.dropped", "error", f"rnd.{t}_pkey")]),
        "drop_index": lambda r, t: (f"DROP INDEX rnd.{t}_c_idx;",
                                    [("schema.index.dropped", "warning", f"rnd.{t}_c_idx")]),
        "add_index": lambda r, t: (f"CREATE INDEX {t}_d_idx ON rnd.{t} (d);",
                                   [("schema.index.added", "info", f"rnd.{t}_d_idx")]),
        "add_unique_index": lambda r, t: (f"CREATE UNIQUE INDEX {t}_ida_idx ON rnd.{t} (id, a);",
                                          [("schema.index.added", "warning", f"rnd.{t}_ida_idx")]),
        "change_index": lambda r, t: (
            f"DROP INDEX rnd.{t}_c_idx; CREATE INDEX {t}_c_idx ON rnd.{t} (c) WHERE c IS NOT NULL;",
            [("schema.index.definition_changed", "warning", f"rnd.{t}_c_idx")]),
        "disable_trigger": lambda r, t: (f"ALTER TABLE rnd.{t} DISABLE TRIGGER {t}_trg;",
                                         [("schema.trigger.enabled_changed", "error", f"rnd.{t}.{t}_trg")]),
        "replica_trigger": lambda r, t: (f"ALTER TABLE rnd.{t} ENABLE REPLICA TRIGGER {t}_trg;",
                                         [("schema.trigger.enabled_changed", "warning", f"rnd.{t}.{t}_trg")]),
        "drop_trigger": lambda r, t: (f"DROP TRIGGER {t}_trg ON rnd.{t};",
                                      [("schema.trigger.dropped", "error", f"rnd.{t}.{t}_trg")]),
        "add_trigger": lambda r, t: (
            f"CREATE TRIGGER {t}_trg2 AFTER INSERT ON rnd.{t} FOR EACH ROW EXECUTE FUNCTION rnd.touch();",
            [("schema.trigger.added", "warning", f"rnd.{t}.{t}_trg2")]),
        "change_trigger": lambda r, t: (
            f"DROP TRIGGER {t}_trg ON rnd.{t}; CREATE TRIGGER {t}_trg BEFORE INSERT OR UPDATE ON rnd.{t} "
            f"FOR EACH ROW EXECUTE FUNCTION rnd.touch();",
            [("schema.trigger.definition_changed", "warning", f"rnd.{t}.{t}_trg")]),
        "revoke": lambda r, t: (f"REVOKE SELECT ON rnd.{t} FROM PUBLIC;",
                                [("schema.privilege.revoked", "error", f"rnd.{t}")]),
        "grant": lambda r, t: (f"GRANT INSERT ON rnd.{t} TO PUBLIC;",
                               [("schema.privilege.granted", "info", f"rnd.{t}")]),
        "grant_column": lambda r, t: (f"GRANT UPDATE (c) ON rnd.{t} TO PUBLIC;",
                                      [("schema.privilege.granted", "info", f"rnd.{t}.c")]),
        "owner": lambda r, t: (f"ALTER TABLE rnd.{t} OWNER TO {role};",
                               [("schema.privilege.owner_changed", "warning", f"rnd.{t}")]),
        "comment_table": lambda r, t: (f"COMMENT ON TABLE rnd.{t} IS 'random {r.randrange(1000)}';",
                                       [("schema.comment.changed", "info", f"rnd.{t}")]),
        "comment_column": lambda r, t: (f"COMMENT ON COLUMN rnd.{t}.c IS 'random';",
                                        [("schema.comment.changed", "info", f"rnd.{t}.c")]),
        "comment_index": lambda r, t: (f"COMMENT ON INDEX rnd.{t}_c_idx IS 'random';",
                                       [("schema.comment.changed", "info", f"rnd.{t}_c_idx")]),
        "comment_constraint": lambda r, t: (f"COMMENT ON CONSTRAINT {t}_a_chk ON rnd.{t} IS 'random';",
                                            [("schema.comment.changed", "info", f"rnd.{t}.{t}_a_chk")]),
        "enable_rls": lambda r, t: (f"ALTER TABLE rnd.{t} ENABLE ROW LEVEL SECURITY;",
                                    [("schema.rls.enabled_changed", "error", f"rnd.{t}")]),
        "force_rls": lambda r, t: (f"ALTER TABLE rnd.{t} FORCE ROW LEVEL SECURITY;",
                                   [("schema.rls.forced_changed", "error", f"rnd.{t}")]),
        "add_policy": lambda r, t: (f"CREATE POLICY {t}_pol ON rnd.{t} USING (a > 0);",
                                    [("schema.rls.policy.added", "warning", f"rnd.{t}.{t}_pol")]),
        "unlogged": lambda r, t: (f"ALTER TABLE rnd.{t} SET UNLOGGED;",
                                  [("schema.table.persistence_changed", "error", f"rnd.{t}")]),
        "replica_identity": lambda r, t: (f"ALTER TABLE rnd.{t} REPLICA IDENTITY FULL;",
                                          [("schema.table.replica_identity_changed", "warning", f"rnd.{t}")]),
        "fillfactor": lambda r, t: (f"ALTER TABLE rnd.{t} SET (fillfactor = 70);",
                                    [("schema.table.options_changed", "warning", f"rnd.{t}")]),
        "statistics": lambda r, t: (f"ALTER TABLE rnd.{t} ALTER a SET STATISTICS 500;",
                                    [("schema.column.statistics_target_changed", "info", f"rnd.{t}.a")]),
        "add_rule": lambda r, t: (f"CREATE RULE {t}_rule AS ON DELETE TO rnd.{t} DO INSTEAD NOTHING;",
                                  [("schema.rule.added", "warning", f"rnd.{t}.{t}_rule")]),
        "publish": lambda r, t: (f"ALTER PUBLICATION rnd_pub ADD TABLE rnd.{t};",
                                 [("schema.publication.tables_changed", "warning", "rnd_pub")]),
    }


def other_changes():
    """Changes of objects other than the scratch tables: (claim, maker)."""
    ch = []
    for i in range(4):
        s, v, f, e, d, c = (f"s{i}", f"v{i}", f"f{i}", f"e{i}", f"dom{i}", f"comp{i}")
        ch += [
            (s, lambda r, s=s: (f"ALTER SEQUENCE rnd.{s} INCREMENT BY 5;",
                                [("schema.sequence.increment_changed", "warning", f"rnd.{s}")])),
            (s, lambda r, s=s: (f"ALTER SEQUENCE rnd.{s} MAXVALUE 1000;",
                                [("schema.sequence.max_changed", "warning", f"rnd.{s}")])),
            (s, lambda r, s=s: (f"ALTER SEQUENCE rnd.{s} CACHE 20;",
                                [("schema.sequence.cache_changed", "info", f"rnd.{s}")])),
            (s, lambda r, s=s: (f"ALTER SEQUENCE rnd.{s} CYCLE;",
                                [("schema.sequence.cycle_changed", "warning", f"rnd.{s}")])),
            (s, lambda r, s=s: (f"ALTER SEQUENCE rnd.{s} AS integer;",
                                [("schema.sequence.type_changed", "error", f"rnd.{s}"),
                                 ("schema.sequence.max_changed", "warning", f"rnd.{s}")])),
            (s, lambda r, s=s: (f"DROP SEQUENCE rnd.{s};", [("schema.sequence.dropped", "error", f"rnd.{s}")])),
            (v, lambda r, v=v: (f"CREATE OR REPLACE VIEW rnd.{v} AS SELECT id, x FROM rnd.vbase WHERE x > 0;",
                                [("schema.view.definition_changed", "warning", f"rnd.{v}")])),
            (v, lambda r, v=v: (f"DROP VIEW rnd.{v};", [("schema.view.dropped", "error", f"rnd.{v}")])),
            (v, lambda r, v=v: (f"REVOKE ALL ON rnd.{v} FROM postgres;",
                                [("schema.privilege.revoked", "error", f"rnd.{v}")])),
            (v, lambda r, v=v: (f"ALTER VIEW rnd.{v} OWNER TO {ROLE[0]};",
                                [("schema.privilege.owner_changed", "warning", f"rnd.{v}")])),
            (v, lambda r, v=v: (f"COMMENT ON VIEW rnd.{v} IS 'random';",
                                [("schema.comment.changed", "info", f"rnd.{v}")])),
            (v, lambda r, v=v: (f"ALTER VIEW rnd.{v} SET (security_barrier = true);",
                                [("schema.view.options_changed", "warning", f"rnd.{v}")])),
            (v, lambda r, v=v: (f"CREATE TRIGGER {v}_ins INSTEAD OF INSERT ON rnd.{v} FOR EACH ROW "
                                f"EXECUTE FUNCTION rnd.touch();",
                                [("schema.trigger.added", "warning", f"rnd.{v}.{v}_ins")])),
            (f, lambda r, f=f: (f"CREATE OR REPLACE FUNCTION rnd.{f}(int) RETURNS int LANGUAGE sql AS 'SELECT $1 + 1';",
                                [("schema.function.definition_changed", "warning", f"rnd.{f}(integer)")])),
            (f, lambda r, f=f: (f"ALTER FUNCTION rnd.{f}(int) STABLE;",
                                [("schema.function.definition_changed", "warning", f"rnd.{f}(integer)")])),
            (f, lambda r, f=f: (f"GRANT EXECUTE ON FUNCTION rnd.{f}(int) TO {ROLE[0]} WITH GRANT OPTION;",
                                [("schema.privilege.granted", "info", f"rnd.{f}(integer)")])),
            (f, lambda r, f=f: (f"DROP FUNCTION rnd.{f}(int);",
                                [("schema.function.dropped", "error", f"rnd.{f}(integer)")])),
            (f, lambda r, f=f: (f"REVOKE EXECUTE ON FUNCTION rnd.{f}(int) FROM PUBLIC;",
                                [("schema.privilege.revoked", "error", f"rnd.{f}(integer)")])),
            (f, lambda r, f=f: (f"CREATE FUNCTION rnd.{f}(text) RETURNS text LANGUAGE sql AS 'SELECT $1';",
                                [("schema.function.added", "info", f"rnd.{f}(text)")])),
            (e, lambda r, e=e: (f"ALTER TYPE rnd.{e} ADD VALUE 'd';",
                                [("schema.type.enum.label_added", "info", f"rnd.{e}")])),
            (e, lambda r, e=e: (f"ALTER TYPE rnd.{e} ADD VALUE 'z' BEFORE 'a';",
                                [("schema.type.enum.label_added", "info", f"rnd.{e}")])),
            (e, lambda r, e=e: (f"DROP TYPE rnd.{e};", [("schema.type.dropped", "error", f"rnd.{e}")])),
            (d, lambda r, d=d: (f"ALTER DOMAIN rnd.{d} ADD CONSTRAINT {d}_small CHECK (VALUE < 100);",
                                [("schema.constraint.added", "error", f"rnd.{d}.{d}_small")])),
            (d, lambda r, d=d: (f"ALTER DOMAIN rnd.{d} DROP CONSTRAINT {d}_pos;",
                                [("schema.constraint.dropped", "warning", f"rnd.{d}.{d}_pos")])),
            (d, lambda r, d=d: (f"ALTER DOMAIN rnd.{d} SET NOT NULL;",
                                [("schema.type.domain.changed", "warning", f"rnd.{d}")])),
            (d, lambda r, d=d: (f"ALTER DOMAIN rnd.{d} SET DEFAULT 1;",
                                [("schema.type.domain.changed", "warning", f"rnd.{d}")])),
            (c, lambda r, c=c: (f"ALTER TYPE rnd.{c} ADD ATTRIBUTE r date;",
                                [("schema.type.composite.changed", "warning", f"rnd.{c}")])),
            (c, lambda r, c=c: (f"ALTER TYPE rnd.{c} ALTER ATTRIBUTE p TYPE bigint;",
                                [("schema.type.composite.changed", "warning", f"rnd.{c}")])),
            (c, lambda r, c=c: (f"COMMENT ON TYPE rnd.{c} IS 'random';",
                                [("schema.comment.changed", "info", f"rnd.{c}")])),
        ]
    for i in range(2):
        m = f"mv{i}"
        ch += [
            (m, lambda r, m=m: (f"DROP MATERIALIZED VIEW rnd.{m}; CREATE MATERIALIZED VIEW rnd.{m} AS "
                                f"SELECT id, y FROM rnd.vbase WHERE id > 10;",
                                [("schema.view.definition_changed", "warning", f"rnd.{m}")])),
            (m, lambda r, m=m: (f"DROP MATERIALIZED VIEW rnd.{m}; CREATE VIEW rnd.{m} AS SELECT id, y FROM rnd.vbase;",
                                [("schema.view.kind_changed", "warning", f"rnd.{m}")])),
            (m, lambda r, m=m: (f"CREATE INDEX {m}_id_idx ON rnd.{m} (id);",
                                [("schema.index.added", "info", f"rnd.{m}_id_idx")])),
        ]
    ch += [
        ("iloner", lambda r: ("ALTER TABLE rnd.iloner INHERIT rnd.ibase;",
                              [("schema.table.inheritance_changed", "error", "rnd.iloner")])),
        ("ichild", lambda r: ("ALTER TABLE rnd.ichild NO INHERIT rnd.ibase;",
                              [("schema.table.inheritance_changed", "error", "rnd.ichild")])),
        ("pq_1", lambda r: ("ALTER TABLE rnd.pq_1 ALTER v SET NOT NULL;",
                            [("schema.table.partition_nullability_changed", "error", "rnd.pq_1")])),
        ("pq_2", lambda r: ("ALTER TABLE rnd.pq_2 ALTER w SET DEFAULT 5;",
                            [("schema.table.partition_default_changed", "warning", "rnd.pq_2")])),
        ("gen", lambda r: ("ALTER TABLE rnd.gen DROP COLUMN g, ADD COLUMN g int GENERATED ALWAYS AS (a * 3) STORED;",
                           [("schema.column.generation_expression_changed", "error", "rnd.gen.g")])),
        # The literal holds "vbase.": a text clean-up of the qualifier would hide this.
        ("vlit", lambda r: ("CREATE OR REPLACE VIEW rnd.vlit AS SELECT id, 'x'::text AS tag FROM rnd.vbase;",
                            [("schema.view.definition_changed", "warning", "rnd.vlit")])),
        # One blank less at a line end inside the body.
        ("fbody", lambda r: ("CREATE OR REPLACE FUNCTION rnd.fbody() RETURNS text LANGUAGE sql AS $$SELECT 'one\ntwo'$$;",
                             [("schema.function.definition_changed", "warning", "rnd.fbody()")])),
        ("coll1", lambda r: ("DROP COLLATION rnd.coll1;", [("schema.collation.dropped", "error", "rnd.coll1")])),
        ("coll2", lambda r: ('CREATE COLLATION rnd.coll2 FROM "C";', [("schema.collation.added", "info", "rnd.coll2")])),
    ]
    ch += [
        ("pt", lambda r: ("CREATE TABLE rnd.pt_2 PARTITION OF rnd.pt FOR VALUES FROM (100) TO (200);",
                          [("schema.table.added", "info", "rnd.pt_2")])),
        ("pub", lambda r: ("ALTER PUBLICATION rnd_pub SET (publish = 'insert');",
                           [("schema.publication.definition_changed", "warning", "rnd_pub")])),
        ("newschema", lambda r: ("CREATE SCHEMA rnd_extra;", [("schema.namespace.added", "info", "rnd_extra")])),
        ("rnd", lambda r: ("COMMENT ON SCHEMA rnd IS 'random';", [("schema.comment.changed", "info", "rnd")])),
        ("public.customer", lambda r: ("ALTER TABLE public.customer ADD COLUMN nickname text;",
                                       [("schema.column.added", "info", "public.customer.nickname")])),
        ("public.event", lambda r: ("COMMENT ON TABLE public.event IS 'shows';",
                                    [("schema.comment.changed", "info", "public.event")])),
        ("public.ticket", lambda r: ("CREATE INDEX ticket_seat_idx ON public.ticket (seat_no);",
                                     [("schema.index.added", "info", "public.ticket_seat_idx")])),
        ("public.venue", lambda r: ("ALTER TABLE public.venue ALTER COLUMN capacity TYPE bigint;",
                                    [("schema.column.type_changed", "warning", "public.venue.capacity")])),
        ("public.booking_status", lambda r: ("ALTER TYPE public.booking_status ADD VALUE 'waitlisted';",
                                             [("schema.type.enum.label_added", "info", "public.booking_status")])),
        ("public.review", lambda r: ("ALTER TABLE public.review ALTER COLUMN body TYPE varchar(500);",
                                     # text -> varchar(500) narrows: longer bodies no longer fit
                                     [("schema.column.type_changed", "error", "public.review.body")])),
        ("public.trg", lambda r: ("ALTER TABLE public.customer DISABLE TRIGGER customer_last_updated;",
                                  [("schema.trigger.enabled_changed", "error", "public.customer.customer_last_updated")])),
    ]
    return ch


def main():
    seed, n, role, outdir = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    ROLE[0] = role
    rng = random.Random(seed)
    table_makers = sorted(table_changes(role).items())
    others = other_changes()
    tables = [f"t{i}" for i in range(N_TABLES)]
    claimed = set()
    changes, expected, names = [], [], []
    while len(changes) < n:
        # Tables get about half the changes: they have the most kinds.
        if rng.random() < 0.5 and any(t not in claimed for t in tables):
            t = rng.choice([t for t in tables if t not in claimed])
            name, maker = rng.choice(table_makers)
            claimed.add(t)
            target = t
        else:
            free = [(c, m) for c, m in others if c not in claimed]
            if not free:
                break
            target, maker = rng.choice(free)
            name = "change"
            claimed.add(target)
        sql, exp = maker(rng, target) if target in tables else maker(rng)
        changes.append(f"-- {target}: {name}\n{sql}")
        expected += [f"{c} {s} {o}" for c, s, o in exp]
        names.append(f"{target}:{name}")
    if len(changes) < n:
        sys.exit(f"only {len(changes)} independent changes available")
    with open(f"{outdir}/setup.sql", "w") as fh:
        fh.write("\n".join(setup_sql()) + "\n")
    with open(f"{outdir}/changes.sql", "w") as fh:
        fh.write("\n".join(changes) + "\n")
    with open(f"{outdir}/expected.txt", "w") as fh:
        fh.write("".join(line + "\n" for line in sorted(set(expected))))
    print(" ".join(names))


if __name__ == "__main__":
    main()

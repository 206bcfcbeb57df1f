/* Unit tests for JSON reading and writing (engine/src/value/json.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "value/value.h"

static gl_value *parse_ok(const char *text)
{
    gl_value *v = NULL;
    gl_error err = {0};
    int rc = gl_json_parse(text, strlen(text), &v, &err);
    cr_assert_eq(rc, 0, "parse of %s failed: %s", text, err.message);
    cr_assert_not_null(v);
    return v;
}

/* Parses text expecting failure; returns the message in a static buffer. */
static const char *parse_err(const char *text, size_t len)
{
    static gl_error err;
    gl_value *v = (gl_value *)1;
    int rc;

    gl_error_clear(&err);
    rc = gl_json_parse(text, len, &v, &err);
    cr_assert_eq(rc, -1, "parse of %.*s should fail", (int)len, text);
    cr_assert_null(v, "*out is NULL on failure");
    cr_assert_neq(err.message[0], '\0', "an error message is written");
    cr_assert_eq(err.error_class, GL_ERR_USAGE, "bad JSON is the input's fault");
    return err.message;
}

static char *write_compact(const gl_value *v)
{
    size_t len = 0;
    char *s = gl_json_write(v, 0, &len);
    cr_assert_not_null(s);
    cr_assert_eq(strlen(s), len);
    return s;
}

static char tmpdir[64];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/gl_test_json.XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    cr_assert_eq(system(cmd), 0);
}

Test(json, parses_every_kind)
{
    gl_value *v = parse_ok("{\"n\": null, \"t\": true, \"f\": false, \"i\": -42, "
                           "\"big\": 9223372036854775807, \"d\": 2.5, \"e\": 1E3, "
                           "\"s\": \"x\", \"a\": [1, [2]], \"o\": {\"k\": {}}}");

    cr_assert_eq(gl_value_kind_of(v), GL_VALUE_OBJECT);
    cr_assert_eq(gl_value_len(v), 10);
    cr_assert_eq(gl_value_kind_of(gl_value_object_get(v, "n")), GL_VALUE_NULL);
    cr_assert_not_null(gl_value_object_get(v, "n"));
    cr_assert_eq(gl_value_get_bool(gl_value_object_get(v, "t")), 1);
    cr_assert_eq(gl_value_kind_of(gl_value_object_get(v, "f")), GL_VALUE_BOOL);
    cr_assert_eq(gl_value_kind_of(gl_value_object_get(v, "i")), GL_VALUE_INT);
    cr_assert_eq(gl_value_get_int(gl_value_object_get(v, "i")), -42);
    cr_assert_eq(gl_value_get_int(gl_value_object_get(v, "big")), INT64_MAX);
    cr_assert_eq(gl_value_kind_of(gl_value_object_get(v, "d")), GL_VALUE_NUMBER);
    cr_assert_eq(gl_value_kind_of(gl_value_object_get(v, "e")), GL_VALUE_NUMBER,
                 "an exponent makes a number, not an int");
    cr_assert_eq(gl_value_get_number(gl_value_object_get(v, "e")), 1000.0);
    cr_assert_str_eq(gl_value_object_string(v, "s"), "x");
    cr_assert_eq(gl_value_get_int(gl_value_array_at(gl_value_array_at(gl_value_object_get(v, "a"), 1), 0)), 2);
    cr_assert_eq(gl_value_kind_of(gl_value_object_get(gl_value_object_get(v, "o"), "k")), GL_VALUE_OBJECT);
    cr_assert_str_eq(gl_value_object_key_at(v, 9), "o", "document order kept");
    gl_value_free(v);
}

Test(json, top_level_scalars)
{
    gl_value *v = parse_ok(" 7 ");
    cr_assert_eq(gl_value_get_int(v), 7);
    gl_value_free(v);
    v = parse_ok("\"only\"");
    cr_assert_str_eq(gl_value_get_string(v), "only");
    gl_value_free(v);
    v = parse_ok("null");
    cr_assert_eq(gl_value_kind_of(v), GL_VALUE_NULL);
    gl_value_free(v);
}

Test(json, integers_beyond_int64_become_numbers)
{
    gl_value *v = parse_ok("[9223372036854775808, -9223372036854775809, -9223372036854775808, "
                           "123456789012345678901234567890]");

    cr_assert_eq(gl_value_kind_of(gl_value_array_at(v, 0)), GL_VALUE_NUMBER);
    cr_assert_eq(gl_value_get_number(gl_value_array_at(v, 0)), 9223372036854775808.0);
    cr_assert_eq(gl_value_kind_of(gl_value_array_at(v, 1)), GL_VALUE_NUMBER);
    cr_assert_eq(gl_value_kind_of(gl_value_array_at(v, 2)), GL_VALUE_INT, "INT64_MIN still fits");
    cr_assert_eq(gl_value_get_int(gl_value_array_at(v, 2)), INT64_MIN);
    cr_assert_eq(gl_value_get_number(gl_value_array_at(v, 3)), 123456789012345678901234567890.0);
    gl_value_free(v);
}

Test(json, numbers_that_cannot_be_a_double_are_refused)
{
    const char *err = parse_err("[1e400]", 7);
    cr_assert(strstr(err, "out of range") != NULL, "got: %s", err);
    cr_assert(strstr(err, "line 1, column") == err, "got: %s", err);
}

Test(json, duplicate_keys_last_wins)
{
    gl_value *v = parse_ok("{\"a\": 1, \"b\": 2, \"a\": 3}");
    cr_assert_eq(gl_value_len(v), 2);
    cr_assert_eq(gl_value_get_int(gl_value_object_get(v, "a")), 3);
    cr_assert_str_eq(gl_value_object_key_at(v, 0), "a");
    gl_value_free(v);
}

Test(json, unicode_escapes_decode_to_utf8)
{
    gl_value *v = parse_ok("[\"\\u00e9\", \"\\ud83d\\ude00\", \"\\n\\t\\\"\\\\\\/\", \"caf\xc3\xa9\", "
                           "\"a\\u0000b\"]");
    char *out;

    cr_assert_str_eq(gl_value_get_string(gl_value_array_at(v, 0)), "\xc3\xa9");
    cr_assert_str_eq(gl_value_get_string(gl_value_array_at(v, 1)), "\xf0\x9f\x98\x80",
                     "a surrogate pair is one 4-byte character");
    cr_assert_str_eq(gl_value_get_string(gl_value_array_at(v, 2)), "\n\t\"\\/");
    cr_assert_str_eq(gl_value_get_string(gl_value_array_at(v, 3)), "caf\xc3\xa9");
    cr_assert_eq(gl_value_string_length(gl_value_array_at(v, 4)), 3, "\\u0000 kept in a string");

    out = write_compact(v);
    cr_assert_str_eq(out, "[\"\xc3\xa9\",\"\xf0\x9f\x98\x80\",\"\\n\\t\\\"\\\\/\",\"caf\xc3\xa9\","
                          "\"a\\u0000b\"]");
    free(out);
    gl_value_free(v);
}

Test(json, invalid_utf8_is_rejected)
{
    const char *err = parse_err("[\"ok\", \"\xff\xfe\"]", 12);
    cr_assert(strstr(err, "UTF8") != NULL || strstr(err, "UTF-8") != NULL, "got: %s", err);
    err = parse_err("\"\xc3\"", 3);   /* truncated sequence */
    cr_assert(strstr(err, "line 1") == err, "got: %s", err);
}

Test(json, errors_name_line_and_column)
{
    const char *err;

    err = parse_err("{\n  \"a\": 1,\n  \"b\" x\n}", 22);
    cr_assert(strncmp(err, "line 3, column 7: ", 18) == 0, "got: %s", err);

    err = parse_err("[1, 2,]", 7);
    cr_assert(strncmp(err, "line 1, column 7: ", 18) == 0, "got: %s", err);

    /* Columns count characters, not bytes: é is two bytes. */
    err = parse_err("[\"\xc3\xa9\xc3\xa9\", x]", 12);
    cr_assert(strncmp(err, "line 1, column 8: ", 18) == 0, "got: %s", err);

    err = parse_err("{\"a\": }", 7);
    cr_assert(strncmp(err, "line 1, column 7: ", 18) == 0, "got: %s", err);
}

Test(json, truncated_input_reports_end)
{
    const char *err = parse_err("{\"a\": [1, 2", 11);
    cr_assert_str_eq(err, "line 1, column 12: unexpected end of input");
}

Test(json, empty_input_is_an_error)
{
    const char *err = parse_err("", 0);
    cr_assert(strstr(err, "empty input") != NULL, "got: %s", err);
    err = parse_err(" \n\t ", 4);
    cr_assert(strstr(err, "empty input") != NULL, "got: %s", err);
    err = parse_err(NULL, 0);
    cr_assert(strstr(err, "empty input") != NULL, "got: %s", err);
}

Test(json, more_than_one_document_is_trailing_garbage)
{
    const char *err = parse_err("{\"a\": 1} {\"b\": 2}", 17);
    cr_assert_str_eq(err, "line 1, column 10: trailing garbage");
    err = parse_err("1 2", 3);
    cr_assert(strstr(err, "trailing garbage") != NULL, "got: %s", err);
    err = parse_err("[1] x", 5);
    cr_assert(strstr(err, "trailing garbage") != NULL, "got: %s", err);
    /* Trailing whitespace is fine. */
    gl_value_free(parse_ok("[1]  \n"));
}

Test(json, comments_are_not_json)
{
    const char *err = parse_err("// note\n{}", 10);
    cr_assert(strstr(err, "comment") != NULL, "got: %s", err);
    err = parse_err("[1 /* x */]", 11);
    cr_assert(strstr(err, "comment") != NULL, "got: %s", err);
}

Test(json, keys_with_nul_are_refused)
{
    const char *err = parse_err("{\"a\\u0000b\": 1}", 15);
    cr_assert(strstr(err, "NUL") != NULL, "got: %s", err);
}

static char *nested(int depth, char open, char close)
{
    char *s = malloc((size_t)depth * 2 + 1);
    cr_assert_not_null(s);
    memset(s, open, (size_t)depth);
    memset(s + depth, close, (size_t)depth);
    s[depth * 2] = '\0';
    return s;
}

Test(json, nesting_limit_is_256)
{
    char *ok = nested(GL_JSON_MAX_DEPTH, '[', ']');
    char *deep = nested(GL_JSON_MAX_DEPTH + 1, '[', ']');
    gl_value *v = parse_ok(ok);
    const char *err;
    char *out;

    out = gl_json_write(v, 0, NULL);
    cr_assert_not_null(out, "what we parse we can write, even past yajl_gen's own depth limit");
    cr_assert_str_eq(out, ok);
    free(out);
    out = gl_json_write(v, 1, NULL);
    cr_assert_not_null(out);
    {
        gl_value *back = parse_ok(out);
        cr_assert(gl_value_equal(v, back));
        gl_value_free(back);
    }
    free(out);
    gl_value_free(v);

    err = parse_err(deep, strlen(deep));
    cr_assert(strstr(err, "nesting deeper than 256") != NULL, "got: %s", err);
    cr_assert(strncmp(err, "line 1, column 257: ", 20) == 0, "got: %s", err);
    free(ok);
    free(deep);
}

Test(json, deep_objects_pretty_print_with_consistent_indent)
{
    /* 150 nested objects: deeper than yajl_gen allows in one generator. */
    gl_value *root = gl_value_object(), *cur = root;
    char *out, *line;
    gl_value *back;
    int i;

    for (i = 0; i < 150; i++) {
        gl_value *child = gl_value_object();
        cr_assert_eq(gl_value_object_set(cur, "k", child), 0);
        cur = child;
    }
    cr_assert_eq(gl_value_object_set(cur, "leaf", gl_value_int(1)), 0);
    out = gl_json_write(root, 1, NULL);
    cr_assert_not_null(out);
    /* Line n (0-based) of the opening half is indented by n levels. */
    line = out;
    for (i = 0; i <= 150; i++) {
        size_t spaces = strspn(line, " ");
        cr_assert_eq(spaces, (size_t)i * 2, "line %d indented %zu", i, spaces);
        line = strchr(line, '\n');
        cr_assert_not_null(line);
        line++;
    }
    back = parse_ok(out);
    cr_assert(gl_value_equal(root, back));
    gl_value_free(back);
    free(out);
    gl_value_free(root);
}

Test(json, writes_compact_and_pretty)
{
    gl_value *v = parse_ok("{\"b\": [1, 2.5, true, null], \"a\": {\"x\": \"y\"}, \"e\": [], \"o\": {}}");
    char *s = write_compact(v);

    cr_assert_str_eq(s, "{\"b\":[1,2.5,true,null],\"a\":{\"x\":\"y\"},\"e\":[],\"o\":{}}",
                     "insertion order, no spaces");
    free(s);
    s = gl_json_write(v, 1, NULL);
    cr_assert_str_eq(s,
                     "{\n"
                     "  \"b\": [\n"
                     "    1,\n"
                     "    2.5,\n"
                     "    true,\n"
                     "    null\n"
                     "  ],\n"
                     "  \"a\": {\n"
                     "    \"x\": \"y\"\n"
                     "  },\n"
                     "  \"e\": [],\n"
                     "  \"o\": {}\n"
                     "}\n");
    free(s);
    gl_value_free(v);
}

Test(json, doubles_round_trip_and_stay_numbers)
{
    double vals[] = { 0.1, 1.0 / 3.0, 1e300, -2.5e-308, 5e-324, 123456789.0, -0.0, 1e21, 4.35 };
    gl_value *a = gl_value_array();
    gl_value *back;
    char *s;
    size_t i;

    for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
        gl_value_array_push(a, gl_value_number(vals[i]));
    s = write_compact(a);
    cr_assert(strncmp(s, "[0.1,0.3333333333333333,1e+300,", 31) == 0, "got: %s", s);
    cr_assert(strstr(s, "123456789.0") != NULL, "integral doubles keep a '.0': %s", s);
    back = parse_ok(s);
    for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        const gl_value *item = gl_value_array_at(back, i);
        cr_assert_eq(gl_value_kind_of(item), GL_VALUE_NUMBER, "item %zu stays a number", i);
        cr_assert_eq(gl_value_get_number(item), vals[i], "item %zu exact", i);
    }
    cr_assert(signbit(gl_value_get_number(gl_value_array_at(back, 6))), "-0.0 keeps its sign");
    free(s);
    gl_value_free(back);
    gl_value_free(a);
}

Test(json, nan_and_infinity_are_written_as_null)
{
    gl_value *a = gl_value_array();
    char *s;

    gl_value_array_push(a, gl_value_number(NAN));
    gl_value_array_push(a, gl_value_number(INFINITY));
    gl_value_array_push(a, gl_value_number(-INFINITY));
    gl_value_array_push(a, gl_value_int(INT64_MIN));
    s = write_compact(a);
    cr_assert_str_eq(s, "[null,null,null,-9223372036854775808]");
    free(s);
    gl_value_free(a);
}

Test(json, invalid_utf8_cannot_be_written)
{
    gl_value *v = gl_value_string("\xff");
    cr_assert_null(gl_json_write(v, 0, NULL));
    gl_value_free(v);
}

Test(json, round_trip_parse_write_parse)
{
    const char *docs[] = {
        "{\"facts\": {\"tables\": [{\"name\": \"public.orders\", \"rows\": 1200000, "
        "\"bloat\": 0.125, \"columns\": [\"id\", \"total\"], \"pk\": true, \"comment\": null}]}, "
        "\"server\": {\"version_num\": 170002, \"settings\": {\"work_mem\": \"4MB\"}}}",
        "[[], {}, [[]], {\"\": \"\"}, -1, 0, 1e-7, \"\\u001f\\u2028\"]",
        "\"\\ud800\\udc00\"",
        "-9223372036854775808",
    };
    size_t i;
    int pretty;

    for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        for (pretty = 0; pretty <= 1; pretty++) {
            gl_value *v = parse_ok(docs[i]);
            char *s = gl_json_write(v, pretty, NULL);
            gl_value *back;
            char *again;
            cr_assert_not_null(s);
            back = parse_ok(s);
            cr_assert(gl_value_equal(v, back), "doc %zu pretty %d: %s", i, pretty, s);
            again = gl_json_write(back, pretty, NULL);
            cr_assert_str_eq(s, again, "writing is deterministic");
            free(s);
            free(again);
            gl_value_free(v);
            gl_value_free(back);
        }
    }
}

Test(json, big_object_round_trip)
{
    enum { N = 20000 };
    gl_value *o = gl_value_object(), *back;
    char key[40];
    char *s;
    int i;

    for (i = 0; i < N; i++) {
        snprintf(key, sizeof(key), "public.t%05d", N - i);
        gl_value_object_set(o, key, gl_value_int(i));
    }
    s = write_compact(o);
    back = parse_ok(s);
    cr_assert_eq(gl_value_len(back), N);
    cr_assert(gl_value_equal(o, back));
    cr_assert_str_eq(gl_value_object_key_at(back, 0), "public.t20000");
    cr_assert_eq(gl_value_get_int(gl_value_object_get(back, "public.t00001")), N - 1);
    free(s);
    gl_value_free(o);
    gl_value_free(back);
}

Test(json, file_round_trip_is_atomic_and_named, .init = make_tmpdir, .fini = remove_tmpdir)
{
    char path[128];
    gl_error e = {0};
    const char *err = e.message;
    gl_value *v = parse_ok("{\"a\": [1, 2, 3]}"), *back = NULL;
    struct stat st;

    snprintf(path, sizeof(path), "%s/out.json", tmpdir);
    cr_assert_eq(gl_json_write_file(v, 1, path, &e), 0, "%s", err);
    cr_assert_eq(gl_json_parse_file(path, &back, &e), 0, "%s", err);
    cr_assert(gl_value_equal(v, back));
    cr_assert_eq(stat(path, &st), 0);
    cr_assert(S_ISREG(st.st_mode));
    gl_value_free(back);

    /* Overwrite: replaced whole, no temp file left behind. */
    gl_value_object_set(v, "b", gl_value_bool(0));
    cr_assert_eq(gl_json_write_file(v, 0, path, &e), 0, "%s", err);
    cr_assert_eq(gl_json_parse_file(path, &back, &e), 0, "%s", err);
    cr_assert(gl_value_equal(v, back));
    {
        char cmd[256];
        snprintf(cmd, sizeof(cmd), "test \"$(ls -A '%s' | wc -l)\" -eq 1", tmpdir);
        cr_assert_eq(system(cmd), 0, "only out.json in the directory");
    }
    gl_value_free(back);
    gl_value_free(v);
}

Test(json, file_errors_name_the_path, .init = make_tmpdir, .fini = remove_tmpdir)
{
    char path[128], expect[256];
    gl_error e = {0};
    const char *err = e.message;
    gl_value *v = (gl_value *)1;
    FILE *f;

    snprintf(path, sizeof(path), "%s/missing.json", tmpdir);
    cr_assert_eq(gl_json_parse_file(path, &v, &e), -1);
    cr_assert_null(v);
    snprintf(expect, sizeof(expect), "cannot read %s: %s", path, strerror(ENOENT));
    cr_assert_str_eq(err, expect);

    snprintf(path, sizeof(path), "%s/bad.json", tmpdir);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("{\n  \"a\": 1,\n  \"b\": tru\n}\n", f);
    fclose(f);
    cr_assert_eq(gl_json_parse_file(path, &v, &e), -1);
    snprintf(expect, sizeof(expect), "%s: line 3, column ", path);
    cr_assert(strncmp(err, expect, strlen(expect)) == 0, "got: %s", err);

    snprintf(path, sizeof(path), "%s/empty.json", tmpdir);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fclose(f);
    cr_assert_eq(gl_json_parse_file(path, &v, &e), -1);
    cr_assert(strstr(err, path) == err && strstr(err, "empty input") != NULL, "got: %s", err);

    /* A directory cannot be read as a file. */
    cr_assert_eq(gl_json_parse_file(tmpdir, &v, &e), -1);
    snprintf(expect, sizeof(expect), "cannot read %s: ", tmpdir);
    cr_assert(strncmp(err, expect, strlen(expect)) == 0, "got: %s", err);

    /* Writing into a missing directory fails and names the path. */
    snprintf(path, sizeof(path), "%s/no/such/dir/out.json", tmpdir);
    v = gl_value_int(1);
    cr_assert_eq(gl_json_write_file(v, 0, path, &e), -1);
    snprintf(expect, sizeof(expect), "cannot write %s: ", path);
    cr_assert(strncmp(err, expect, strlen(expect)) == 0, "got: %s", err);
    gl_value_free(v);
}

Test(json, files_over_the_limit_are_refused, .init = make_tmpdir, .fini = remove_tmpdir)
{
    char path[128];
    gl_error e = {0};
    const char *err = e.message;
    gl_value *v = (gl_value *)1;
    FILE *f;

    /* A sparse file: large by size, cheap on disk, refused before reading. */
    snprintf(path, sizeof(path), "%s/huge.json", tmpdir);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fclose(f);
    cr_assert_eq(truncate(path, (off_t)GL_JSON_MAX_FILE + 1), 0);
    cr_assert_eq(gl_json_parse_file(path, &v, &e), -1);
    cr_assert_null(v);
    cr_assert(strstr(err, path) == err && strstr(err, "too large") != NULL, "got: %s", err);
    cr_assert_eq(e.error_class, GL_ERR_TOO_LARGE, "the file reader's class is kept");
}

Test(json, a_pipe_or_a_fifo_is_refused_without_blocking)
{
    char path[64], fifo[] = "/tmp/gl_json_fifo_XXXXXX";
    gl_error e = {0};
    const char *err = e.message;
    gl_value *v = NULL;
    int fds[2];
    const char *doc = "{\"from\": \"pipe\"}";

    /* a pipe with data: refused (only regular files; `-` is standard input) */
    cr_assert_eq(pipe(fds), 0);
    cr_assert_eq(write(fds[1], doc, strlen(doc)), (ssize_t)strlen(doc));
    close(fds[1]);
    snprintf(path, sizeof(path), "/dev/fd/%d", fds[0]);
    cr_assert_eq(gl_json_parse_file(path, &v, &e), -1);
    cr_assert(strstr(err, "not a regular file") != NULL, "got: %s", err);
    close(fds[0]);
    /* a FIFO with no writer: refused at once, not a hang */
    cr_assert_not_null(mkdtemp(fifo));
    snprintf(path, sizeof(path), "%s/in.json", fifo);
    cr_assert_eq(mkfifo(path, 0600), 0);
    cr_assert_eq(gl_json_parse_file(path, &v, &e), -1);
    cr_assert_null(v);
    cr_assert(strstr(err, path) != NULL && strstr(err, "not a regular file") != NULL, "got: %s", err);
    unlink(path);
    rmdir(fifo);
}

/*
 * evidence — signed decision records, the tamper-evident audit log and signed
 * policies (share/doc/evidence.md).
 *
 * Keys are Ed25519 through OpenSSL EVP (PEM files). A record is a JSON object
 * serialised as canonical JSON (RFC 8785, canonical.c) and signed twice over:
 * once as a whole, and field by field, so `greenlight verify` can name the
 * field that was edited. The audit log is JSON lines, each a signed record
 * carrying seq (1, 2, ...) and prev (SHA-256 of the line before).
 *
 * Functions return 0 or -1 with err set; err is GL_ERR_USAGE for
 * bad keys/files the user gave and GL_ERR_INTERNAL for write failures.
 */
#ifndef GL_EVIDENCE_H
#define GL_EVIDENCE_H

#include <stddef.h>
#include <stdio.h>

#include "util/error.h"
#include "greenlight/plugin.h"

typedef struct evp_pkey_st gl_evidence_key;

/* ---- canonical.c: RFC 8785 ------------------------------------------------ */

/* Canonical JSON of v (keys sorted by UTF-16 code units, ECMAScript number
 * form, minimal string escapes) into a malloc'd string. NULL when out of
 * memory or v holds a non-finite number or invalid UTF-8. */
char *gl_evidence_canonical(const gl_value *v, size_t *out_len);

/* ---- keys.c ---------------------------------------------------------------- */

/* Writes a new Ed25519 private key to path (mode 0600, refuses to overwrite)
 * and its public key to path.pub (0644), both PEM. */
int gl_evidence_keygen(const char *path, gl_error *err);
/* Loads a private (or public) Ed25519 PEM key; the errors name the file. A
 * private key readable by group or others is refused. */
int gl_evidence_key_load_private(const char *path, gl_evidence_key **out, gl_error *err);
int gl_evidence_key_load_public(const char *path, gl_evidence_key **out, gl_error *err);
void gl_evidence_key_free(gl_evidence_key *key);
/* Key id: the first 16 hex digits of the SHA-256 of the public key (DER). */
int gl_evidence_key_id(gl_evidence_key *key, char out[17]);
/* Base64 Ed25519 signature of data (malloc'd), or NULL. */
char *gl_evidence_sign(gl_evidence_key *key, const void *data, size_t len);
/* 1 when sig_b64 is key's signature of data, 0 otherwise. */
int gl_evidence_verify_sig(gl_evidence_key *key, const void *data, size_t len, const char *sig_b64);

/* ---- record.c ---------------------------------------------------------------- */

/* Builds the decision record of a finished run: decision, reasons, digests of
 * the policy, policy input and plugin .so files, versions, time, user, host,
 * change id and ticket. The caller owns *out. */
int gl_evidence_record_build(const gl_value *report, const char *verb, gl_value **out, gl_error *err);
/* Wraps a record into the signed envelope {record, signature, fields}; the
 * caller owns *out. */
int gl_evidence_record_sign(const gl_value *record, gl_evidence_key *key, gl_value **out, gl_error *err);

/* Checks one signed envelope. Returns 1 valid, 0 invalid (why: one or more
 * sentences naming the fields), -1 error. */
int gl_evidence_record_check(const gl_value *envelope, gl_evidence_key *pub, char *why, size_t why_len);

/* ---- audit_log.c ----------------------------------------------------------- */

/* Appends record (given seq and prev from the log under an exclusive lock),
 * signs it, writes one line, fsyncs. *out_envelope (optional) gets what was
 * written. A log whose last line is incomplete is refused. */
int gl_evidence_log_append(const char *path, const gl_value *record, gl_evidence_key *key,
                           gl_value **out_envelope, gl_error *err);

/* Verifies a log or a single record file. Prints one line per problem to
 * `report_to` (and "ok: ..." when valid). Returns 0 valid, 1 invalid, -1 error
 * (unreadable file or key; err set). */
int gl_evidence_verify_file(const char *path, gl_evidence_key *pub, FILE *report_to, gl_error *err);
/* Verifies a one-record file (DIR/decision.json written with --audit-log)
 * and the log, and that the log holds that exact record at line seq: a
 * record with seq N need not be the log's first. Same returns. */
int gl_evidence_verify_in_log(const char *record_path, const char *log_path, gl_evidence_key *pub,
                              FILE *report_to, gl_error *err);

/* ---- policy signatures (keys.c) ---------------------------------------------- */

/* Checks that POLICY.sig is pub's signature of the policy bytes; writes the
 * policy's SHA-256 to sha256_hex. Usage errors (exit 64) say what is wrong:
 * no signature file, a bad signature, a signature by another key. */
int gl_evidence_policy_verify(const char *policy_path, const char *pub_path, char sha256_hex[65], gl_error *err);
/* Writes POLICY.sig with key's signature of the policy file. */
int gl_evidence_policy_sign(const char *policy_path, const char *key_path, gl_error *err);

#endif

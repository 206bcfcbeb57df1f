/* Ed25519 keys, signatures and signed policies through OpenSSL EVP. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "evidence/evidence.h"

#define GL_POLICY_MAX (16u * 1024u * 1024u)

/* Opens path for writing with mode, refusing an existing file. */
static FILE *create_new(const char *path, mode_t mode, gl_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    FILE *f;

    if (fd < 0) {
        gl_error_set(err, GL_ERR_USAGE, "cannot create %s: %s%s", path, strerror(errno),
                     errno == EEXIST ? " (keygen never overwrites a key: remove it or pick another name)" : "");
        return NULL;
    }
    fchmod(fd, mode); /* the umask must not widen or narrow it */
    f = fdopen(fd, "w");
    if (f == NULL) {
        close(fd);
        gl_error_set(err, GL_ERR_INTERNAL, "cannot write %s: %s", path, strerror(errno));
    }
    return f;
}

int gl_evidence_keygen(const char *path, gl_error *err)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    char pub[4096];
    FILE *f = NULL;
    int rc = -1, made_priv = 0;

    if (key == NULL)
        return gl_error_set(err, GL_ERR_INTERNAL, "cannot generate an Ed25519 key (OpenSSL)");
    if ((size_t)snprintf(pub, sizeof(pub), "%s.pub", path) >= sizeof(pub)) {
        gl_error_set(err, GL_ERR_USAGE, "--out: file name too long");
        goto out;
    }
    if (access(pub, F_OK) == 0) {
        gl_error_set(err, GL_ERR_USAGE, "cannot create %s: it exists (keygen never overwrites a key)", pub);
        goto out;
    }
    f = create_new(path, 0600, err);
    if (f == NULL)
        goto out;
    made_priv = 1;
    if (PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) != 1 || fflush(f) != 0 || fsync(fileno(f)) != 0) {
        gl_error_set(err, GL_ERR_INTERNAL, "cannot write %s", path);
        goto out;
    }
    fclose(f);
    f = create_new(pub, 0644, err);
    if (f == NULL)
        goto out;
    if (PEM_write_PUBKEY(f, key) != 1 || fflush(f) != 0) {
        gl_error_set(err, GL_ERR_INTERNAL, "cannot write %s", pub);
        goto out;
    }
    rc = 0;
out:
    if (f != NULL)
        fclose(f);
    if (rc != 0 && made_priv) {
        unlink(path);
        if (err->error_class == GL_ERR_INTERNAL || err->error_class == GL_ERR_NOMEM)
            unlink(pub);
    }
    EVP_PKEY_free(key);
    return rc;
}

static int load(const char *path, int private_key, gl_evidence_key **out, gl_error *err)
{
    const char *what = private_key ? "private key" : "public key";
    struct stat st;
    FILE *f = fopen(path, "r");
    EVP_PKEY *key = NULL;

    *out = NULL;
    if (f == NULL)
        return gl_error_set(err, GL_ERR_USAGE, "cannot read the %s %s: %s", what, path, strerror(errno));
    if (private_key && fstat(fileno(f), &st) == 0 && (st.st_mode & 077) != 0) {
        fclose(f);
        return gl_error_set(err, GL_ERR_USAGE,
                            "the private key %s is readable by others (mode %03o): chmod 600 %s",
                            path, (unsigned)(st.st_mode & 0777), path);
    }
    key = private_key ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    if (key == NULL)
        return gl_error_set(err, GL_ERR_USAGE, "%s is not a PEM %s%s", path, what,
                            private_key ? " (make one with `greenlight keygen --out FILE`)" : " (the FILE.pub keygen wrote)");
    if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(key);
        return gl_error_set(err, GL_ERR_USAGE, "%s is not an Ed25519 %s", path, what);
    }
    *out = key;
    return 0;
}

int gl_evidence_key_load_private(const char *path, gl_evidence_key **out, gl_error *err)
{
    return load(path, 1, out, err);
}

int gl_evidence_key_load_public(const char *path, gl_evidence_key **out, gl_error *err)
{
    return load(path, 0, out, err);
}

void gl_evidence_key_free(gl_evidence_key *key)
{
    EVP_PKEY_free(key);
}

int gl_evidence_key_id(gl_evidence_key *key, char out[17])
{
    unsigned char *der = NULL;
    char hex[65];
    int len = i2d_PUBKEY(key, &der);

    if (len <= 0)
        return -1;
    gl_sha256_hex(der, (size_t)len, hex);
    OPENSSL_free(der);
    memcpy(out, hex, 16);
    out[16] = '\0';
    return 0;
}

char *gl_evidence_sign(gl_evidence_key *key, const void *data, size_t len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char sig[64];
    size_t sig_len = sizeof(sig);
    char *b64 = NULL;

    if (ctx == NULL)
        return NULL;
    if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) == 1 &&
        EVP_DigestSign(ctx, sig, &sig_len, data, len) == 1) {
        b64 = malloc(4 * ((sig_len + 2) / 3) + 1);
        if (b64 != NULL)
            EVP_EncodeBlock((unsigned char *)b64, sig, (int)sig_len);
    }
    EVP_MD_CTX_free(ctx);
    return b64;
}

int gl_evidence_verify_sig(gl_evidence_key *key, const void *data, size_t len, const char *sig_b64)
{
    unsigned char sig[128];
    size_t b64_len = sig_b64 ? strlen(sig_b64) : 0;
    EVP_MD_CTX *ctx;
    int ok = 0, n;

    /* An Ed25519 signature is 64 bytes: 88 base64 characters with "==". */
    if (b64_len != 88 || sig_b64[86] != '=' || sig_b64[87] != '=')
        return 0;
    n = EVP_DecodeBlock(sig, (const unsigned char *)sig_b64, (int)b64_len);
    if (n != 66)
        return 0;
    ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        return 0;
    if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) == 1)
        ok = EVP_DigestVerify(ctx, sig, 64, data, len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

int gl_evidence_policy_verify(const char *policy_path, const char *pub_path, char sha256_hex[65], gl_error *err)
{
    gl_evidence_key *pub = NULL;
    char *text = NULL, *sig = NULL, sig_path[4096];
    size_t len = 0, sig_len = 0;
    int rc = -1;

    if ((size_t)snprintf(sig_path, sizeof(sig_path), "%s.sig", policy_path) >= sizeof(sig_path))
        return gl_error_set(err, GL_ERR_USAGE, "policy path too long");
    if (gl_evidence_key_load_public(pub_path, &pub, err) != 0)
        goto out;
    if (gl_file_read(policy_path, GL_POLICY_MAX, &text, &len, err) != 0)
        goto out;
    if (access(sig_path, F_OK) != 0) {
        gl_error_set(err, GL_ERR_USAGE,
                     "policy %s is not signed (no %s) and a policy verification key is configured (%s): "
                     "sign it with `greenlight sign-policy --key KEY %s`", policy_path, sig_path, pub_path, policy_path);
        goto out;
    }
    if (gl_file_read(sig_path, 1024, &sig, &sig_len, err) != 0)
        goto out;
    while (sig_len > 0 && (sig[sig_len - 1] == '\n' || sig[sig_len - 1] == '\r'))
        sig[--sig_len] = '\0';
    if (!gl_evidence_verify_sig(pub, text, len, sig)) {
        gl_error_set(err, GL_ERR_USAGE,
                     "policy %s: the signature in %s does not verify with %s (the policy changed after signing, "
                     "or another key signed it): refusing to run it", policy_path, sig_path, pub_path);
        goto out;
    }
    gl_sha256_hex(text, len, sha256_hex);
    rc = 0;
out:
    free(text);
    free(sig);
    gl_evidence_key_free(pub);
    return rc;
}

int gl_evidence_policy_sign(const char *policy_path, const char *key_path, gl_error *err)
{
    gl_evidence_key *key = NULL;
    char *text = NULL, *sig = NULL, sig_path[4096], line[128];
    size_t len = 0;
    int rc = -1;

    if ((size_t)snprintf(sig_path, sizeof(sig_path), "%s.sig", policy_path) >= sizeof(sig_path))
        return gl_error_set(err, GL_ERR_USAGE, "policy path too long");
    if (gl_evidence_key_load_private(key_path, &key, err) != 0)
        goto out;
    if (gl_file_read(policy_path, GL_POLICY_MAX, &text, &len, err) != 0)
        goto out;
    sig = gl_evidence_sign(key, text, len);
    if (sig == NULL) {
        gl_error_set(err, GL_ERR_INTERNAL, "cannot sign %s (OpenSSL)", policy_path);
        goto out;
    }
    snprintf(line, sizeof(line), "%s\n", sig);
    if (gl_file_write_atomic(sig_path, line, strlen(line), err) != 0) {
        gl_error_set(err, GL_ERR_INTERNAL, "%s", err->message);
        goto out;
    }
    rc = 0;
out:
    free(text);
    free(sig);
    gl_evidence_key_free(key);
    return rc;
}

/*
 * rds_xml — reading RDS Query API answers with libxml2. Elements are matched
 * by local name (the namespace is http://rds.amazonaws.com/doc/2014-10-31/);
 * unknown elements are ignored (AWS adds fields), a missing required one or a
 * value too long for its field is an error. No network access and no entity
 * substitution while parsing.
 */
#include "aws/rds.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#define GL_RDS_XML_MAX (16u * 1024u * 1024u)

static xmlDocPtr parse(const char *xml, size_t len, gl_error *err)
{
    xmlDocPtr doc;

    if (len > GL_RDS_XML_MAX || len > INT_MAX) {
        gl_error_set(err, GL_ERR_UNAVAILABLE, "the RDS answer is too large (%zu bytes)", len);
        return NULL;
    }
    doc = xmlReadMemory(xml, (int)len, "rds-answer.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (doc == NULL || xmlDocGetRootElement(doc) == NULL) {
        xmlFreeDoc(doc);
        gl_error_set(err, GL_ERR_UNAVAILABLE,
                     "the RDS answer is not XML: check --endpoint-url points at the RDS API");
        return NULL;
    }
    return doc;
}

static int named(xmlNodePtr n, const char *name)
{
    return n != NULL && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static xmlNodePtr child(xmlNodePtr parent, const char *name)
{
    if (parent == NULL)
        return NULL;
    for (xmlNodePtr n = parent->children; n; n = n->next)
        if (named(n, name))
            return n;
    return NULL;
}

/* Copies the text of parent/name into buf ("" when absent). */
static int text(xmlNodePtr parent, const char *name, char *buf, size_t cap, gl_error *err)
{
    xmlNodePtr n = child(parent, name);
    xmlChar *s;
    size_t len;

    buf[0] = '\0';
    if (n == NULL)
        return 0;
    s = xmlNodeGetContent(n);
    if (s == NULL)
        return 0;
    len = strlen((const char *)s);
    if (len >= cap) {
        xmlFree(s);
        return gl_error_set(err, GL_ERR_UNAVAILABLE, "the RDS answer's %s is too long (%zu bytes)", name, len);
    }
    memcpy(buf, s, len + 1);
    xmlFree(s);
    return 0;
}

/* The element holding the result: <XResponse><XResult>…</XResult></XResponse>. */
static xmlNodePtr result_of(xmlDocPtr doc, gl_error *err)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);

    for (xmlNodePtr n = root->children; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE) {
            size_t l = strlen((const char *)n->name);
            if (l > 6 && strcmp((const char *)n->name + l - 6, "Result") == 0)
                return n;
        }
    }
    gl_error_set(err, GL_ERR_UNAVAILABLE, "the RDS answer <%s> has no result element", (const char *)root->name);
    return NULL;
}

static int read_deployment(xmlNodePtr node, gl_rds_deployment *d, gl_error *err)
{
    xmlNodePtr list;

    memset(d, 0, sizeof(*d));
    if (text(node, "BlueGreenDeploymentIdentifier", d->id, sizeof(d->id), err) != 0 ||
        text(node, "BlueGreenDeploymentName", d->name, sizeof(d->name), err) != 0 ||
        text(node, "Source", d->source, sizeof(d->source), err) != 0 ||
        text(node, "Target", d->target, sizeof(d->target), err) != 0 ||
        text(node, "Status", d->status, sizeof(d->status), err) != 0 ||
        text(node, "StatusDetails", d->status_details, sizeof(d->status_details), err) != 0 ||
        text(node, "CreateTime", d->create_time, sizeof(d->create_time), err) != 0)
        return -1;
    if (d->id[0] == '\0' || d->status[0] == '\0')
        return gl_error_set(err, GL_ERR_UNAVAILABLE,
                            "the RDS answer has a blue/green deployment without identifier or status");
    list = child(node, "SwitchoverDetails");
    for (xmlNodePtr m = list ? list->children : NULL; m; m = m->next) {
        gl_rds_member *mem;
        if (!named(m, "member"))
            continue;
        if (d->n_members == GL_RDS_MAX_MEMBERS)
            return gl_error_set(err, GL_ERR_UNAVAILABLE, "the deployment %s has more than %d members", d->id,
                                GL_RDS_MAX_MEMBERS);
        mem = &d->members[d->n_members++];
        if (text(m, "SourceMember", mem->source, sizeof(mem->source), err) != 0 ||
            text(m, "TargetMember", mem->target, sizeof(mem->target), err) != 0 ||
            text(m, "Status", mem->status, sizeof(mem->status), err) != 0)
            return -1;
    }
    list = child(node, "Tasks");
    for (xmlNodePtr t = list ? list->children : NULL; t; t = t->next) {
        gl_rds_task *task;
        if (!named(t, "member"))
            continue;
        if (d->n_tasks == GL_RDS_MAX_TASKS)
            return gl_error_set(err, GL_ERR_UNAVAILABLE, "the deployment %s has more than %d tasks", d->id,
                                GL_RDS_MAX_TASKS);
        task = &d->tasks[d->n_tasks++];
        if (text(t, "Name", task->name, sizeof(task->name), err) != 0 ||
            text(t, "Status", task->status, sizeof(task->status), err) != 0)
            return -1;
    }
    return 0;
}

int gl_rds_xml_deployments(const char *xml, size_t len, gl_rds_deployment *out, size_t cap, size_t *n,
                           char *marker, size_t marker_len, gl_error *err)
{
    xmlDocPtr doc = parse(xml, len, err);
    xmlNodePtr res, list;
    int rc = -1;

    *n = 0;
    marker[0] = '\0';
    if (doc == NULL)
        return -1;
    res = result_of(doc, err);
    if (res == NULL)
        goto out;
    list = child(res, "BlueGreenDeployments");
    for (xmlNodePtr m = list ? list->children : NULL; m; m = m->next) {
        if (!named(m, "member"))
            continue;
        if (*n == cap) {
            gl_error_set(err, GL_ERR_UNAVAILABLE, "the RDS answer lists more than %zu deployments on one page", cap);
            goto out;
        }
        if (read_deployment(m, &out[*n], err) != 0)
            goto out;
        (*n)++;
    }
    if (text(res, "Marker", marker, marker_len, err) != 0)
        goto out;
    rc = 0;
out:
    xmlFreeDoc(doc);
    return rc;
}

int gl_rds_xml_deployment(const char *xml, size_t len, gl_rds_deployment *out, gl_error *err)
{
    xmlDocPtr doc = parse(xml, len, err);
    xmlNodePtr res, node;
    int rc = -1;

    if (doc == NULL)
        return -1;
    res = result_of(doc, err);
    if (res == NULL)
        goto out;
    node = child(res, "BlueGreenDeployment");
    if (node == NULL) {
        gl_error_set(err, GL_ERR_UNAVAILABLE, "the RDS answer has no BlueGreenDeployment");
        goto out;
    }
    rc = read_deployment(node, out, err);
out:
    xmlFreeDoc(doc);
    return rc;
}

int gl_rds_xml_endpoint(const char *xml, size_t len, char *host, size_t host_len, int *port, gl_error *err)
{
    xmlDocPtr doc = parse(xml, len, err);
    xmlNodePtr res, list, item = NULL, ep;
    char port_text[16];
    char *end;
    long p;
    int rc = -1;

    host[0] = '\0';
    *port = 0;
    if (doc == NULL)
        return -1;
    res = result_of(doc, err);
    if (res == NULL)
        goto out;
    list = child(res, "DBClusters");
    if (list != NULL) {
        item = child(list, "DBCluster");
        ep = item;
        if (ep && (text(ep, "Endpoint", host, host_len, err) != 0 || text(ep, "Port", port_text, sizeof(port_text), err) != 0))
            goto out;
    } else {
        list = child(res, "DBInstances");
        item = child(list, "DBInstance");
        ep = child(item, "Endpoint");
        if (ep && (text(ep, "Address", host, host_len, err) != 0 || text(ep, "Port", port_text, sizeof(port_text), err) != 0))
            goto out;
    }
    if (item == NULL) {
        gl_error_set(err, GL_ERR_UNAVAILABLE, "the RDS answer lists no DB cluster or instance");
        goto out;
    }
    if (ep == NULL || host[0] == '\0') {
        gl_error_set(err, GL_ERR_UNAVAILABLE,
                     "the database has no endpoint yet (still being created?): wait until it is available");
        goto out;
    }
    p = strtol(port_text, &end, 10);
    if (port_text[0] == '\0' || *end != '\0' || p < 1 || p > 65535) {
        gl_error_set(err, GL_ERR_UNAVAILABLE, "the RDS answer gives the endpoint %s an invalid port \"%s\"", host,
                     port_text);
        goto out;
    }
    *port = (int)p;
    rc = 0;
out:
    xmlFreeDoc(doc);
    return rc;
}

int gl_rds_xml_error(const char *xml, size_t len, char *code, size_t code_len, char *message, size_t message_len)
{
    gl_error scratch;
    xmlDocPtr doc;
    xmlNodePtr root, e;
    int rc = -1;

    code[0] = '\0';
    message[0] = '\0';
    doc = parse(xml, len, &scratch);
    if (doc == NULL)
        return -1;
    root = xmlDocGetRootElement(doc);
    e = named(root, "Error") ? root : child(root, "Error");
    if (e != NULL && text(e, "Code", code, code_len, &scratch) == 0 &&
        text(e, "Message", message, message_len, &scratch) == 0)
        rc = 0;
    xmlFreeDoc(doc);
    return rc;
}

/* Reading RDS Query API answers (engine/src/aws/rds_xml.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/rds.h"

static char *corpus(const char *name, size_t *len)
{
    char path[512];
    FILE *f;
    char *buf;

    snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/fuzz_rds_xml/%s", GL_TEST_SOURCE_DIR, name);
    f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    buf = calloc(1, 65536);
    cr_assert_not_null(buf);
    *len = fread(buf, 1, 65535, f);
    fclose(f);
    return buf;
}

Test(aws_rds_xml, a_describe_page_with_members_tasks_and_marker)
{
    static gl_rds_deployment d[4];
    size_t len, n = 0;
    char marker[64];
    gl_error err;
    char *xml = corpus("describe.xml", &len);

    cr_assert_eq(gl_rds_xml_deployments(xml, len, d, 4, &n, marker, sizeof(marker), &err), 0, "%s", err.message);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(d[0].id, "bgd-1");
    cr_assert_str_eq(d[0].status, "AVAILABLE");
    cr_assert_str_eq(d[0].target, "arn:aws:rds:us-east-1:1:cluster:b");
    cr_assert_eq(d[0].n_members, 1);
    cr_assert_str_eq(d[0].members[0].status, "ready-for-switchover");
    cr_assert_eq(d[0].n_tasks, 1);
    cr_assert_str_eq(d[0].tasks[0].name, "CONFIGURE_BACKUPS");
    cr_assert_str_eq(marker, "1");
    free(xml);
}

Test(aws_rds_xml, endpoints_of_clusters_and_instances)
{
    size_t len;
    char host[128];
    int port;
    gl_error err;
    char *xml = corpus("cluster.xml", &len);

    cr_assert_eq(gl_rds_xml_endpoint(xml, len, host, sizeof(host), &port, &err), 0, "%s", err.message);
    cr_assert_str_eq(host, "db.example.com");
    cr_assert_eq(port, 5432);
    free(xml);
    xml = corpus("instance.xml", &len);
    cr_assert_eq(gl_rds_xml_endpoint(xml, len, host, sizeof(host), &port, &err), -1);
    cr_assert_str_eq(err.message, "the RDS answer gives the endpoint i.example.com an invalid port \"99999\"");
    free(xml);
}

Test(aws_rds_xml, errors_and_garbage)
{
    size_t len;
    char code[64], message[128];
    gl_rds_deployment *d = calloc(1, sizeof(*d));
    gl_error err;
    char *xml = corpus("error.xml", &len);

    cr_assert_eq(gl_rds_xml_error(xml, len, code, sizeof(code), message, sizeof(message)), 0);
    cr_assert_str_eq(code, "Throttling");
    cr_assert_str_eq(message, "Rate exceeded");
    free(xml);
    cr_assert_eq(gl_rds_xml_deployment("<html>nope", 10, d, &err), -1);
    cr_assert_str_eq(err.message, "the RDS answer is not XML: check --endpoint-url points at the RDS API");
    cr_assert_eq(gl_rds_xml_deployment("<X><XResult/></X>", 17, d, &err), -1);
    cr_assert_str_eq(err.message, "the RDS answer has no BlueGreenDeployment");
    free(d);
}

Test(aws_rds_xml, a_value_too_long_for_its_field_is_refused)
{
    static gl_rds_deployment d[1];
    char xml[4096], marker[16];
    size_t n;
    gl_error err;

    snprintf(xml, sizeof(xml),
             "<R><RResult><BlueGreenDeployments><member><BlueGreenDeploymentIdentifier>bgd-1</BlueGreenDeploymentIdentifier>"
             "<Status>%0200d</Status></member></BlueGreenDeployments></RResult></R>", 7);
    cr_assert_eq(gl_rds_xml_deployments(xml, strlen(xml), d, 1, &n, marker, sizeof(marker), &err), -1);
    cr_assert_str_eq(err.message, "the RDS answer's Status is too long (200 bytes)");
}

/* query_regression statistics: percentiles, Mann-Whitney U, verdicts. */
#include <criterion/criterion.h>
#include <math.h>

#include "../../plugins/query_regression/stats.c"

Test(qr_stats, percentile_interpolates_linearly)
{
    double v[] = {1, 2, 3, 4, 5};
    cr_assert_float_eq(gl_qr_percentile(v, 5, 0.5), 3.0, 1e-12);
    cr_assert_float_eq(gl_qr_percentile(v, 5, 0.95), 4.8, 1e-12);
    cr_assert_float_eq(gl_qr_percentile(v, 5, 0.0), 1.0, 1e-12);
    cr_assert_float_eq(gl_qr_percentile(v, 5, 1.0), 5.0, 1e-12);
    cr_assert_float_eq(gl_qr_percentile(v, 1, 0.99), 1.0, 1e-12);
    cr_assert(isnan(gl_qr_percentile(v, 0, 0.5)));
}

Test(qr_stats, mann_whitney_separated_samples)
{
    double x[] = {1, 2, 3, 4, 5}, y[] = {6, 7, 8, 9, 10};
    gl_qr_mw r;
    cr_assert_eq(gl_qr_mann_whitney(x, 5, y, 5, &r), 0);
    cr_assert_float_eq(r.u, 0.0, 1e-12);
    cr_assert_float_eq(r.z, -2.5067182457620487, 1e-9);
    cr_assert_float_eq(r.p, 0.012185780355344818, 1e-9);
    /* Symmetric: swapping the samples flips z, keeps p. */
    cr_assert_eq(gl_qr_mann_whitney(y, 5, x, 5, &r), 0);
    cr_assert_float_eq(r.u, 25.0, 1e-12);
    cr_assert_float_eq(r.p, 0.012185780355344818, 1e-9);
}

Test(qr_stats, mann_whitney_tie_correction)
{
    double x[] = {1, 2, 2, 3}, y[] = {2, 3, 4, 5};
    gl_qr_mw r;
    cr_assert_eq(gl_qr_mann_whitney(x, 4, y, 4, &r), 0);
    cr_assert_float_eq(r.u, 2.5, 1e-12);
    cr_assert_float_eq(r.z, -1.4883513944689681, 1e-9);
    cr_assert_float_eq(r.p, 0.13665824773814753, 1e-9);
}

Test(qr_stats, mann_whitney_all_tied_is_no_evidence)
{
    double x[] = {2, 2, 2}, y[] = {2, 2, 2};
    gl_qr_mw r;
    cr_assert_eq(gl_qr_mann_whitney(x, 3, y, 3, &r), 0);
    cr_assert_float_eq(r.p, 1.0, 1e-12);
    cr_assert_eq(gl_qr_mann_whitney(x, 0, y, 3, &r), -1);
}

Test(qr_stats, judge_regressed_improved_pass_inconclusive)
{
    double blue[30], slow[30], fast[30], same[30], noisy[4] = {1, 50, 2, 60}, noisy_b[4] = {1, 2, 3, 4};
    gl_qr_judgement j;

    for (int i = 0; i < 30; i++) {
        blue[i] = 10.0 + (i % 7) * 0.1;
        slow[i] = 20.0 + (i % 5) * 0.1;
        fast[i] = 5.0 + (i % 3) * 0.1;
        same[i] = 10.0 + ((i + 3) % 7) * 0.1;
    }
    cr_assert_eq(gl_qr_judge(blue, 30, slow, 30, 0.95, 1.2, 0.5, &j), 0);
    cr_assert_eq(j.verdict, GL_QR_REGRESSED);
    cr_assert(j.ratio > 1.9 && j.ratio < 2.1);
    cr_assert(j.mw.p < 1e-6);
    cr_assert_str_eq(gl_qr_verdict_name(j.verdict), "regressed");

    cr_assert_eq(gl_qr_judge(blue, 30, fast, 30, 0.95, 1.2, 0.5, &j), 0);
    cr_assert_eq(j.verdict, GL_QR_IMPROVED);

    cr_assert_eq(gl_qr_judge(blue, 30, same, 30, 0.95, 1.2, 0.5, &j), 0);
    cr_assert_eq(j.verdict, GL_QR_PASS);

    /* Twice as slow by the median but 4 samples cannot show it: inconclusive. */
    cr_assert_eq(gl_qr_judge(noisy_b, 4, noisy, 4, 0.95, 1.2, 0.5, &j), 0);
    cr_assert_eq(j.verdict, GL_QR_INCONCLUSIVE);
}

Test(qr_stats, judge_ignores_effects_below_min_effect_ms)
{
    double blue[20], green[20];
    gl_qr_judgement j;

    for (int i = 0; i < 20; i++) {
        blue[i] = 0.10 + i * 0.001;
        green[i] = 0.30 + i * 0.001;   /* x3 but only 0.2 ms apart */
    }
    cr_assert_eq(gl_qr_judge(blue, 20, green, 20, 0.95, 1.2, 0.5, &j), 0);
    cr_assert_eq(j.verdict, GL_QR_PASS);
    cr_assert_eq(gl_qr_judge(blue, 20, green, 20, 0.95, 1.2, 0.0, &j), 0);
    cr_assert_eq(j.verdict, GL_QR_REGRESSED);
}

Test(qr_stats, judge_within_tolerance_passes_even_when_significant)
{
    double blue[30], green[30];
    gl_qr_judgement j;

    for (int i = 0; i < 30; i++) {
        blue[i] = 10.0 + i * 0.01;
        green[i] = 11.0 + i * 0.01;    /* 10% slower, tolerance 20% */
    }
    cr_assert_eq(gl_qr_judge(blue, 30, green, 30, 0.95, 1.2, 0.5, &j), 0);
    cr_assert(j.mw.p < 0.05);
    cr_assert_eq(j.verdict, GL_QR_PASS);
}

/* Broken on purpose: a shared object without the greenlight_plugin symbol. */
int not_a_greenlight_plugin(void);

int not_a_greenlight_plugin(void)
{
    return 42;
}

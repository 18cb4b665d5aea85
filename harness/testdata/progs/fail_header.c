// This program forgot its expectation.
int main(void)
{
    return 0;
}

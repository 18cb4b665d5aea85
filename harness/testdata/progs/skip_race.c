// Only the detector can confirm a race: skipped with the release runtime.
// expect: race
int main(void)
{
    return 0;
}

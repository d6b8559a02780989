// placeholder, replaced by the io work
int main() {
  return 0;
}

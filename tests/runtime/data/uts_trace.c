/* sethostname and setdomainname as --trace and strace show them: a NUL inside, a refused length, a newline,
 * a long name. Natively it runs under `unshare -u`, so the host keeps its names. */
#include <string.h>
#include <unistd.h>

int main(void) {
    char big[80];
    memset(big, 'y', sizeof big);
    sethostname("ab\0cd", 5);
    setdomainname(big, 65);
    setdomainname("dom\n", 4);
    setdomainname(big, 40);
    sethostname(big, 40);
    return 0;
}

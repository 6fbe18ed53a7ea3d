/* Many one-byte skbs queued on a stream socket (root's SO_SNDBUFFORCE lifts the send buffer), then read a
 * byte at a time: each read must cost the machine time in proportion to what it reads, not to the queue. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
int main(int argc, char **argv) {
  int n = atoi(argv[1]), sv[2], most = 0x7fffffff;
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &most, sizeof most);
  for (int i = 0; i < n; i++) if (send(sv[0], "x", 1, 0) != 1) { perror("send"); return 1; }
  char c; long got = 0;
  for (int i = 0; i < n; i++) got += recv(sv[1], &c, 1, 0);
  printf("sent %d one-byte messages, received %ld bytes one at a time\n", n, got);
  return 0;
}

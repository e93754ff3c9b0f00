// The locker's mechanics for the HIL benchmarks (hardware/hil/bench.sh), in C so that simulating
// 48 doors costs the VM's one emulated CPU next to nothing: it reads the gpio_value events of a
// trace instance; a lock line going active pulls its door contact "open" at once (and leaves a
// trace marker, so the trace shows how long the simulated door took); a lock going inactive shuts
// the door close_ms later, unless the lock was pulsed again meanwhile.
//
//   doorsim TRACE_PIPE MAPFILE CLOSE_MS [TRACE_MARKER]
//   MAPFILE: one "<global gpio of the lock> <door's sim pull file> <compartment>" per line
//
// Built by hardware/hil/run on the host (gcc); runs in the guest's chroot of the host's /.
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXGPIO 8192

static struct door { char pull[256]; int id; long long due; } *doors[MAXGPIO];

static long long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void put(const char *path, const char *text) {
    int fd = open(path, O_WRONLY);
    if (fd < 0 || write(fd, text, strlen(text)) < 0) perror(path);
    if (fd >= 0) close(fd);
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: doorsim TRACE_PIPE MAPFILE CLOSE_MS [TRACE_MARKER]\n"); return 2; }
    FILE *map = fopen(argv[2], "r");
    if (!map) { perror(argv[2]); return 1; }
    int gpio, id;
    char pull[256];
    while (fscanf(map, "%d %255s %d", &gpio, pull, &id) == 3) {
        if (gpio < 0 || gpio >= MAXGPIO) continue;
        doors[gpio] = calloc(1, sizeof(struct door));
        strcpy(doors[gpio]->pull, pull);
        doors[gpio]->id = id;
    }
    fclose(map);
    long long close_ms = atoll(argv[3]);
    int marker = argc > 4 ? open(argv[4], O_WRONLY) : -1;
    int tp = open(argv[1], O_RDONLY | O_NONBLOCK);
    if (tp < 0) { perror(argv[1]); return 1; }

    char buf[1 << 16];
    size_t len = 0;
    for (;;) {
        long long now = now_ms(), wait = 20;   // poll at least every 20 ms, whatever the trace does
        for (int g = 0; g < MAXGPIO; g++) {
            struct door *d = doors[g];
            if (!d || !d->due) continue;
            if (d->due <= now) { put(d->pull, "pull-down"); d->due = 0; }
            else if (d->due - now < wait) wait = d->due - now;
        }
        struct pollfd p = { .fd = tp, .events = POLLIN };
        if (poll(&p, 1, (int)wait) <= 0) continue;
        ssize_t n = read(tp, buf + len, sizeof buf - 1 - len);
        if (n <= 0) continue;
        len += (size_t)n;
        buf[len] = 0;
        char *line = buf, *nl;
        while ((nl = strchr(line, '\n'))) {
            *nl = 0;
            char *ev = strstr(line, "gpio_value: ");
            int value;
            if (ev && sscanf(ev, "gpio_value: %d set %d", &gpio, &value) == 2 && gpio >= 0 && gpio < MAXGPIO && doors[gpio]) {
                struct door *d = doors[gpio];
                if (value) {
                    d->due = 0;
                    put(d->pull, "pull-up");
                    if (marker >= 0) dprintf(marker, "amtomat-bench door %d open gpio %d\n", d->id, gpio);
                } else {
                    d->due = now_ms() + close_ms;
                }
            }
            line = nl + 1;
        }
        len = strlen(line);
        memmove(buf, line, len);
        if (len >= sizeof buf - 1) len = 0;   // a line that long is not ours
    }
}

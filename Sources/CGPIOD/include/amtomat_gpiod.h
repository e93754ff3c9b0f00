/*
 * amtomat_gpiod.h - a small flat C API over libgpiod for Swift.
 *
 * The same header serves libgpiod v1 (1.6.x) and v2 (2.x): it never includes
 * <gpiod.h>, so Swift code importing CGPIOD does not change (and does not
 * recompile) when the library API under it changes. Only amtomat_gpiod.c sees
 * libgpiod and picks the API with `#if defined(GPIOD_LINE_BULK_MAX_LINES)`.
 *
 * Conventions: functions return -1 (or NULL) on error and leave errno set.
 * Values are logical: 1 = active (active-low already applied by the kernel).
 * One line = one request, so every input has its own event fd.
 * Objects are not thread-safe (neither is libgpiod): use one per thread or lock.
 */
#ifndef AMTOMAT_GPIOD_H
#define AMTOMAT_GPIOD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct amt_chip amt_chip;
typedef struct amt_line amt_line;

enum amt_bias {
	AMT_BIAS_AS_IS = 0,
	AMT_BIAS_DISABLED = 1,
	AMT_BIAS_PULL_UP = 2,
	AMT_BIAS_PULL_DOWN = 3,
};

typedef struct amt_event {
	int rising;              /* 1 rising edge (became active), 0 falling edge */
	uint64_t timestamp_ns;   /* kernel timestamp */
} amt_event;

/* 1 or 2: the libgpiod API this shim was compiled against. */
int amt_gpiod_api(void);
/* libgpiod's own runtime version string, e.g. "1.6.3" or "2.2.1". */
const char *amt_gpiod_version(void);

/*
 * Opens a chip by path ("/dev/gpiochip3"), by device name ("gpiochip3") or by
 * label ("pinctrl-bcm2711", "amtomat-sim-a"; scans /dev/gpiochip*).
 * NULL and errno = ENOENT when no chip matches.
 */
amt_chip *amt_chip_open(const char *label_or_path);
void amt_chip_close(amt_chip *chip);
const char *amt_chip_name(const amt_chip *chip);   /* "gpiochip3" */
const char *amt_chip_label(const amt_chip *chip);  /* "amtomat-sim-a" */
const char *amt_chip_path(const amt_chip *chip);   /* "/dev/gpiochip3" */
int amt_chip_num_lines(const amt_chip *chip);

/* Offset of the line named `name`; -1 and errno = ENOENT if there is none. */
int amt_chip_find_line(amt_chip *chip, const char *name);

/*
 * What the kernel knows about a line, without requesting it.
 * `used` is 1 if someone (a process, a driver, sysfs) holds it.
 * `consumer`/`name` are filled (possibly empty) up to their lengths.
 * `is_output` is 1 if the line is configured as an output.
 */
int amt_chip_line_info(amt_chip *chip, unsigned int offset, int *used, int *is_output,
		       char *name, size_t name_len, char *consumer, size_t consumer_len);

/*
 * Requests one output line with its INACTIVE (or given) value set in the same
 * request, so that requesting never twitches the output.
 */
amt_line *amt_request_output(amt_chip *chip, unsigned int offset, const char *consumer,
			     int active_low, int bias, int initial_value);

/*
 * Requests one input line with edge events on both edges.
 * `debounce_us` is applied by the kernel on API v2 and ignored on v1 (the
 * caller debounces in software there).
 */
amt_line *amt_request_input(amt_chip *chip, unsigned int offset, const char *consumer,
			    int active_low, int bias, unsigned int debounce_us);

void amt_line_release(amt_line *line);
unsigned int amt_line_offset(const amt_line *line);
int amt_line_set(amt_line *line, int value);
int amt_line_get(amt_line *line);
/* The fd to poll() for edge events (inputs only). */
int amt_line_event_fd(amt_line *line);
/*
 * Reads the pending edge events of an input; call only when its fd is
 * readable (it blocks otherwise). Returns the number of events stored.
 */
int amt_line_read_events(amt_line *line, amt_event *events, int max_events);

/*
 * An eventfd to wake a thread blocked in poll() (Swift's Glibc module does not
 * export <sys/eventfd.h>). Returns the fd, or -1.
 */
int amt_wakeup_new(void);
int amt_wakeup_signal(int fd);
void amt_wakeup_drain(int fd);

#ifdef __cplusplus
}
#endif
#endif

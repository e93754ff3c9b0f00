/*
 * amtomat_gpiod.c - the flat C API of amtomat_gpiod.h on libgpiod v1 or v2.
 *
 * Only this file includes <gpiod.h>. The v1 header (1.6.x) defines
 * GPIOD_LINE_BULK_MAX_LINES, the v2 header (2.x) does not; both use the same
 * include guard and pkg-config name, so that macro is how the API is chosen.
 */
#define _GNU_SOURCE
#include "amtomat_gpiod.h"

#include <gpiod.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#if defined(GPIOD_LINE_BULK_MAX_LINES)
#define AMT_API 1
#else
#define AMT_API 2
#endif

struct amt_chip {
	struct gpiod_chip *chip;
	char name[64];
	char label[64];
	char path[PATH_MAX];
	int num_lines;
};

struct amt_line {
	unsigned int offset;
	int input;
#if AMT_API == 1
	struct gpiod_line *line;
#else
	struct gpiod_line_request *request;
	struct gpiod_edge_event_buffer *buffer;
#endif
};

static void copy_str(char *dst, size_t len, const char *src)
{
	if (!dst || len == 0)
		return;
	snprintf(dst, len, "%s", src ? src : "");
}

int amt_gpiod_api(void) { return AMT_API; }

const char *amt_gpiod_version(void)
{
#if AMT_API == 1
	return gpiod_version_string();
#else
	return gpiod_api_version();
#endif
}

/* Opens one chip device and fills in its identity; NULL + errno on failure. */
static amt_chip *open_path(const char *path)
{
	amt_chip *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->chip = gpiod_chip_open(path);
	if (!c->chip) {
		int e = errno;
		free(c);
		errno = e;
		return NULL;
	}
	copy_str(c->path, sizeof(c->path), path);
#if AMT_API == 1
	copy_str(c->name, sizeof(c->name), gpiod_chip_name(c->chip));
	copy_str(c->label, sizeof(c->label), gpiod_chip_label(c->chip));
	c->num_lines = (int)gpiod_chip_num_lines(c->chip);
#else
	struct gpiod_chip_info *info = gpiod_chip_get_info(c->chip);
	if (!info) {
		int e = errno;
		gpiod_chip_close(c->chip);
		free(c);
		errno = e;
		return NULL;
	}
	copy_str(c->name, sizeof(c->name), gpiod_chip_info_get_name(info));
	copy_str(c->label, sizeof(c->label), gpiod_chip_info_get_label(info));
	c->num_lines = (int)gpiod_chip_info_get_num_lines(info);
	gpiod_chip_info_free(info);
#endif
	return c;
}

static int is_chip_entry(const struct dirent *d)
{
	return strncmp(d->d_name, "gpiochip", 8) == 0;
}

amt_chip *amt_chip_open(const char *spec)
{
	char path[PATH_MAX];

	if (!spec || !*spec) {
		errno = EINVAL;
		return NULL;
	}
	if (spec[0] == '/')
		return open_path(spec);

	/* "gpiochipN": a device name. */
	if (strncmp(spec, "gpiochip", 8) == 0 && spec[8] >= '0' && spec[8] <= '9' &&
	    strspn(spec + 8, "0123456789") == strlen(spec + 8)) {
		snprintf(path, sizeof(path), "/dev/%s", spec);
		return open_path(path);
	}

	/* Otherwise a label: scan every chip. */
	struct dirent **entries = NULL;
	int n = scandir("/dev", &entries, is_chip_entry, alphasort);
	if (n < 0)
		return NULL;
	amt_chip *found = NULL;
	int last_errno = ENOENT;
	for (int i = 0; i < n; i++) {
		if (!found) {
			snprintf(path, sizeof(path), "/dev/%s", entries[i]->d_name);
			amt_chip *c = open_path(path);
			if (!c) {
				/* EACCES on a chip we cannot open is worth reporting if nothing matches. */
				if (errno == EACCES)
					last_errno = EACCES;
			} else if (strcmp(c->label, spec) == 0) {
				found = c;
			} else {
				amt_chip_close(c);
			}
		}
		free(entries[i]);
	}
	free(entries);
	if (!found)
		errno = last_errno;
	return found;
}

void amt_chip_close(amt_chip *c)
{
	if (!c)
		return;
	if (c->chip)
		gpiod_chip_close(c->chip);
	free(c);
}

const char *amt_chip_name(const amt_chip *c) { return c->name; }
const char *amt_chip_label(const amt_chip *c) { return c->label; }
const char *amt_chip_path(const amt_chip *c) { return c->path; }
int amt_chip_num_lines(const amt_chip *c) { return c->num_lines; }

int amt_chip_find_line(amt_chip *c, const char *name)
{
	if (!c || !name) {
		errno = EINVAL;
		return -1;
	}
#if AMT_API == 1
	errno = 0;
	struct gpiod_line *line = gpiod_chip_find_line(c->chip, name);
	if (!line) {
		if (errno == 0)
			errno = ENOENT;
		return -1;
	}
	return (int)gpiod_line_offset(line);
#else
	int off = gpiod_chip_get_line_offset_from_name(c->chip, name);
	if (off < 0 && errno == 0)
		errno = ENOENT;
	return off;
#endif
}

static int check_offset(const amt_chip *c, unsigned int offset)
{
	if (!c || offset >= (unsigned int)c->num_lines) {
		errno = c ? ERANGE : EINVAL;
		return -1;
	}
	return 0;
}

int amt_chip_line_info(amt_chip *c, unsigned int offset, int *used, int *is_output,
		       char *name, size_t name_len, char *consumer, size_t consumer_len)
{
	if (check_offset(c, offset))
		return -1;
#if AMT_API == 1
	struct gpiod_line *line = gpiod_chip_get_line(c->chip, offset);
	if (!line || gpiod_line_update(line))
		return -1;
	if (used)
		*used = gpiod_line_is_used(line) ? 1 : 0;
	if (is_output)
		*is_output = gpiod_line_direction(line) == GPIOD_LINE_DIRECTION_OUTPUT;
	copy_str(name, name_len, gpiod_line_name(line));
	copy_str(consumer, consumer_len, gpiod_line_consumer(line));
#else
	struct gpiod_line_info *info = gpiod_chip_get_line_info(c->chip, offset);
	if (!info)
		return -1;
	if (used)
		*used = gpiod_line_info_is_used(info) ? 1 : 0;
	if (is_output)
		*is_output = gpiod_line_info_get_direction(info) == GPIOD_LINE_DIRECTION_OUTPUT;
	copy_str(name, name_len, gpiod_line_info_get_name(info));
	copy_str(consumer, consumer_len, gpiod_line_info_get_consumer(info));
	gpiod_line_info_free(info);
#endif
	return 0;
}

#if AMT_API == 1
static int v1_flags(int active_low, int bias)
{
	int f = active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;
	switch (bias) {
	case AMT_BIAS_DISABLED: f |= GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE; break;
	case AMT_BIAS_PULL_UP: f |= GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP; break;
	case AMT_BIAS_PULL_DOWN: f |= GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN; break;
	default: break;
	}
	return f;
}
#else
static struct gpiod_line_request *v2_request(amt_chip *c, unsigned int offset, const char *consumer,
					     struct gpiod_line_settings *s)
{
	struct gpiod_line_request *req = NULL;
	struct gpiod_line_config *lc = gpiod_line_config_new();
	struct gpiod_request_config *rc = gpiod_request_config_new();
	int e = 0;
	if (!lc || !rc) {
		e = errno ? errno : ENOMEM;
		goto out;
	}
	if (gpiod_line_config_add_line_settings(lc, &offset, 1, s)) {
		e = errno;
		goto out;
	}
	gpiod_request_config_set_consumer(rc, consumer);
	gpiod_request_config_set_event_buffer_size(rc, 64);
	req = gpiod_chip_request_lines(c->chip, rc, lc);
	if (!req)
		e = errno;
out:
	gpiod_line_config_free(lc);
	gpiod_request_config_free(rc);
	if (!req)
		errno = e;
	return req;
}

static enum gpiod_line_bias v2_bias(int bias)
{
	switch (bias) {
	case AMT_BIAS_DISABLED: return GPIOD_LINE_BIAS_DISABLED;
	case AMT_BIAS_PULL_UP: return GPIOD_LINE_BIAS_PULL_UP;
	case AMT_BIAS_PULL_DOWN: return GPIOD_LINE_BIAS_PULL_DOWN;
	default: return GPIOD_LINE_BIAS_AS_IS;
	}
}
#endif

static amt_line *new_line(unsigned int offset, int input)
{
	amt_line *l = calloc(1, sizeof(*l));
	if (l) {
		l->offset = offset;
		l->input = input;
	}
	return l;
}

static void free_line_errno(amt_line *l)
{
	int e = errno;
	free(l);
	errno = e;
}

amt_line *amt_request_output(amt_chip *c, unsigned int offset, const char *consumer,
			     int active_low, int bias, int initial_value)
{
	if (check_offset(c, offset))
		return NULL;
	amt_line *l = new_line(offset, 0);
	if (!l)
		return NULL;
#if AMT_API == 1
	l->line = gpiod_chip_get_line(c->chip, offset);
	struct gpiod_line_request_config cfg = {
		.consumer = consumer,
		.request_type = GPIOD_LINE_REQUEST_DIRECTION_OUTPUT,
		.flags = v1_flags(active_low, bias),
	};
	/* default_val: the value is set in the same ioctl that claims the line. */
	if (!l->line || gpiod_line_request(l->line, &cfg, initial_value ? 1 : 0)) {
		free_line_errno(l);
		return NULL;
	}
#else
	struct gpiod_line_settings *s = gpiod_line_settings_new();
	if (!s) {
		free_line_errno(l);
		return NULL;
	}
	int rc = gpiod_line_settings_set_direction(s, GPIOD_LINE_DIRECTION_OUTPUT);
	gpiod_line_settings_set_active_low(s, active_low ? true : false);
	rc |= gpiod_line_settings_set_bias(s, v2_bias(bias));
	/* The output value travels in the request itself: no twitch on claim. */
	rc |= gpiod_line_settings_set_output_value(s, initial_value ? GPIOD_LINE_VALUE_ACTIVE
								   : GPIOD_LINE_VALUE_INACTIVE);
	if (rc == 0)
		l->request = v2_request(c, offset, consumer, s);
	int e = errno;
	gpiod_line_settings_free(s);
	errno = e;
	if (rc != 0 || !l->request) {
		free_line_errno(l);
		return NULL;
	}
#endif
	return l;
}

amt_line *amt_request_input(amt_chip *c, unsigned int offset, const char *consumer,
			    int active_low, int bias, unsigned int debounce_us)
{
	if (check_offset(c, offset))
		return NULL;
	amt_line *l = new_line(offset, 1);
	if (!l)
		return NULL;
#if AMT_API == 1
	(void)debounce_us; /* uAPI v1 has no debounce: the caller debounces. */
	l->line = gpiod_chip_get_line(c->chip, offset);
	struct gpiod_line_request_config cfg = {
		.consumer = consumer,
		.request_type = GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES,
		.flags = v1_flags(active_low, bias),
	};
	if (!l->line || gpiod_line_request(l->line, &cfg, 0)) {
		free_line_errno(l);
		return NULL;
	}
#else
	struct gpiod_line_settings *s = gpiod_line_settings_new();
	if (!s) {
		free_line_errno(l);
		return NULL;
	}
	int rc = gpiod_line_settings_set_direction(s, GPIOD_LINE_DIRECTION_INPUT);
	rc |= gpiod_line_settings_set_edge_detection(s, GPIOD_LINE_EDGE_BOTH);
	gpiod_line_settings_set_active_low(s, active_low ? true : false);
	rc |= gpiod_line_settings_set_bias(s, v2_bias(bias));
	gpiod_line_settings_set_debounce_period_us(s, debounce_us);
	if (rc == 0)
		l->request = v2_request(c, offset, consumer, s);
	int e = errno;
	gpiod_line_settings_free(s);
	errno = e;
	if (rc != 0 || !l->request) {
		free_line_errno(l);
		return NULL;
	}
	l->buffer = gpiod_edge_event_buffer_new(16);
	if (!l->buffer) {
		e = errno;
		gpiod_line_request_release(l->request);
		free(l);
		errno = e;
		return NULL;
	}
#endif
	return l;
}

void amt_line_release(amt_line *l)
{
	if (!l)
		return;
#if AMT_API == 1
	if (l->line)
		gpiod_line_release(l->line);
#else
	if (l->buffer)
		gpiod_edge_event_buffer_free(l->buffer);
	if (l->request)
		gpiod_line_request_release(l->request);
#endif
	free(l);
}

unsigned int amt_line_offset(const amt_line *l) { return l->offset; }

int amt_line_set(amt_line *l, int value)
{
	if (!l || l->input) {
		errno = EINVAL;
		return -1;
	}
#if AMT_API == 1
	return gpiod_line_set_value(l->line, value ? 1 : 0);
#else
	return gpiod_line_request_set_value(l->request, l->offset,
					    value ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE);
#endif
}

int amt_line_get(amt_line *l)
{
	if (!l) {
		errno = EINVAL;
		return -1;
	}
#if AMT_API == 1
	return gpiod_line_get_value(l->line);
#else
	enum gpiod_line_value v = gpiod_line_request_get_value(l->request, l->offset);
	if (v == GPIOD_LINE_VALUE_ERROR)
		return -1;
	return v == GPIOD_LINE_VALUE_ACTIVE ? 1 : 0;
#endif
}

int amt_line_event_fd(amt_line *l)
{
	if (!l || !l->input) {
		errno = EINVAL;
		return -1;
	}
#if AMT_API == 1
	return gpiod_line_event_get_fd(l->line);
#else
	return gpiod_line_request_get_fd(l->request);
#endif
}

int amt_line_read_events(amt_line *l, amt_event *events, int max_events)
{
	if (!l || !l->input || !events || max_events <= 0) {
		errno = EINVAL;
		return -1;
	}
#if AMT_API == 1
	struct gpiod_line_event buf[16];
	int want = max_events < 16 ? max_events : 16;
	int n = gpiod_line_event_read_fd_multiple(gpiod_line_event_get_fd(l->line), buf, (unsigned int)want);
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		events[i].rising = buf[i].event_type == GPIOD_LINE_EVENT_RISING_EDGE;
		events[i].timestamp_ns = (uint64_t)buf[i].ts.tv_sec * 1000000000ull + (uint64_t)buf[i].ts.tv_nsec;
	}
	return n;
#else
	int want = max_events < 16 ? max_events : 16;
	int n = gpiod_line_request_read_edge_events(l->request, l->buffer, (size_t)want);
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		struct gpiod_edge_event *ev = gpiod_edge_event_buffer_get_event(l->buffer, (unsigned long)i);
		events[i].rising = gpiod_edge_event_get_event_type(ev) == GPIOD_EDGE_EVENT_RISING_EDGE;
		events[i].timestamp_ns = gpiod_edge_event_get_timestamp_ns(ev);
	}
	return n;
#endif
}

int amt_wakeup_new(void)
{
	return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

int amt_wakeup_signal(int fd)
{
	uint64_t one = 1;
	return write(fd, &one, sizeof(one)) == (ssize_t)sizeof(one) ? 0 : -1;
}

void amt_wakeup_drain(int fd)
{
	uint64_t v;
	while (read(fd, &v, sizeof(v)) > 0) {
	}
}

/*
 * neutral.h — the neutral model bxanalyze compares a reference with when no
 * dry take of the user is given (reference-only mode).
 *
 * Spectrum: the median long-term spectrum of dry, close-miked percussive
 * takes (16th-note grooves of real drum-kit recordings, with and without
 * spoken beatbox syllables), as mean power per bin in dB, normalised to 0 dB
 * on average over 100 Hz - 10 kHz. Dynamics: the median spread (p95 - p10 of
 * the 50 ms envelope) and crest factor of the same takes, and the level the
 * live input is assumed to have.
 */
#ifndef BX_ANALYZE_NEUTRAL_H
#define BX_ANALYZE_NEUTRAL_H

/** Neutral spectrum at freq_hz, dB (log-frequency interpolation of a table). */
double neutral_db(double freq_hz);

/** How much dry takes scatter around neutral_db at freq_hz (standard deviation), dB. */
double neutral_sigma_db(double freq_hz);

/** Dry takes' deviations from neutral_db are heavier-tailed than normal: their
 * standard deviation is this many times what their interquartile range
 * implies (measured over the dry takes of bx's two public evaluation corpora,
 * 1.24; over two corpora not used for the model, 1.29;
 * bench/corpus/neutral_scatter.py). */
#define NEUTRAL_TAIL_FACTOR 1.24

/** Gain of the BS.1770 K-weighting filter at freq_hz (its 48 kHz design), dB. */
double neutral_kweight_db(double freq_hz);

/* The dynamics of a dry take: medians and standard deviations over the 80
 * dry takes of bx's two public evaluation corpora (drum-kit grooves, with
 * and without beatbox syllables and spoken words), as bxanalyze measures
 * them (bx_level_stats). */
/** Median spread of the 50 ms envelope of a dry take (p95 - p10), dB. */
#define NEUTRAL_SPREAD_DB 31.8
/** How much dry takes scatter in spread (standard deviation), dB. */
#define NEUTRAL_SPREAD_SIGMA_DB 7.0
/** Median crest factor of a dry take, dB. */
#define NEUTRAL_CREST_DB 20.6
/** How much dry takes scatter in crest factor (standard deviation), dB. */
#define NEUTRAL_CREST_SIGMA_DB 2.8
/** RMS level assumed for the live input in reference-only mode, dBFS. */
#define NEUTRAL_INPUT_RMS_DB -28.0

#endif

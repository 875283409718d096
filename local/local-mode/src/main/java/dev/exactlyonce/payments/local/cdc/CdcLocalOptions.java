package dev.exactlyonce.payments.local.cdc;

import dev.exactlyonce.payments.local.LocalModeOptions;
import dev.exactlyonce.payments.pipeline.cdc.CdcOptions;

/** A CDC run on this machine: the CDC pipeline's options and local mode's (tables dir, stop on idle). */
public interface CdcLocalOptions extends CdcOptions, LocalModeOptions {}

// The OpenTelemetry SDK as an app would set it up, with in-memory exporters in place of a
// collector: every finished span, and metrics collected when the test asks (no timer).
import type { Attributes, AttributeValue } from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import {
  AggregationTemporality,
  DataPointType,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  MetricReader,
} from '@opentelemetry/sdk-metrics'
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace'
import { type OpenTelemetryOptions, openTelemetry } from '../src/opentelemetry/index.js'

/** Collects into an in-memory exporter on `forceFlush()`: reads are deterministic. */
class ManualReader extends MetricReader {
  constructor(private readonly exporter: InMemoryMetricExporter) {
    super()
  }

  protected override async onForceFlush(): Promise<void> {
    const { resourceMetrics, errors } = await this.collect()
    if (errors.length > 0) throw errors[0]
    await new Promise<void>((resolve, reject) => {
      this.exporter.export(resourceMetrics, (result) =>
        result.error ? reject(result.error) : resolve(),
      )
    })
  }

  protected override async onShutdown(): Promise<void> {}
}

/** One data point of a metric: a counter's or gauge's value, or a histogram. */
export interface Point {
  name: string
  unit: string
  attributes: Attributes
  value: number | Histogram
}

export interface OtelHarness {
  options: Required<OpenTelemetryOptions>
  /** What `createStitchAuth({ telemetry })` takes, wired to this harness. */
  telemetry: ReturnType<typeof openTelemetry>
  spans(): ReadableSpan[]
  spansNamed(prefix: string): ReadableSpan[]
  /** Every data point collected now (cumulative since the start). */
  points(): Promise<Point[]>
  shutdown(): Promise<void>
}

export function otelHarness(): OtelHarness {
  const spanExporter = new InMemorySpanExporter()
  const tracerProvider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter: spanExporter })],
  })
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
  const reader = new ManualReader(metricExporter)
  const meterProvider = new MeterProvider({ readers: [reader] })
  const options = {
    tracerProvider,
    meterProvider,
    propagator: new W3CTraceContextPropagator(),
  }
  return {
    options,
    telemetry: openTelemetry(options),
    spans: () => spanExporter.getFinishedSpans(),
    spansNamed: (prefix) =>
      spanExporter.getFinishedSpans().filter((span) => span.name.startsWith(prefix)),
    async points() {
      metricExporter.reset()
      await reader.forceFlush()
      const points: Point[] = []
      for (const resource of metricExporter.getMetrics()) {
        for (const scope of resource.scopeMetrics) {
          for (const metric of scope.metrics) {
            for (const point of metric.dataPoints) {
              points.push({
                name: metric.descriptor.name,
                unit: metric.descriptor.unit,
                attributes: point.attributes,
                value:
                  metric.dataPointType === DataPointType.HISTOGRAM
                    ? (point.value as Histogram)
                    : (point.value as number),
              })
            }
          }
        }
      }
      return points
    },
    async shutdown() {
      await tracerProvider.shutdown()
      await meterProvider.shutdown()
    },
  }
}

/** The points of `name` whose attributes include `attributes`. */
export function pointsOf(points: Point[], name: string, attributes: Attributes = {}): Point[] {
  return points.filter(
    (point) =>
      point.name === name &&
      Object.entries(attributes).every(([key, value]) => point.attributes[key] === value),
  )
}

/** The sum of a counter's matching points (0 when none). */
export function total(points: Point[], name: string, attributes: Attributes = {}): number {
  return pointsOf(points, name, attributes).reduce(
    (sum, point) => sum + (typeof point.value === 'number' ? point.value : point.value.count),
    0,
  )
}

/** Every string a span carries: name, attributes, status, event names and attributes, links. */
export function stringsOfSpan(span: ReadableSpan): string[] {
  return [
    span.name,
    span.status.message ?? '',
    ...stringsOf(span.attributes),
    ...span.events.flatMap((event) => [event.name, ...stringsOf(event.attributes ?? {})]),
    ...span.links.flatMap((link) => stringsOf(link.attributes ?? {})),
  ]
}

/** Every key and value of some attributes, as text. */
export function stringsOf(attributes: Attributes): string[] {
  return Object.entries(attributes).flatMap(([key, value]) => [key, ...textOf(value)])
}

function textOf(value: AttributeValue | undefined): string[] {
  if (value === undefined) return []
  if (Array.isArray(value)) return value.map(String)
  return [String(value)]
}

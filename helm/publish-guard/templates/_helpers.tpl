{{/* Names, labels and the few values the templates share. */}}

{{- define "publish-guard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* <release>-publish-guard, or the release name when it already says publish-guard. */}}
{{- define "publish-guard.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "publish-guard.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "publish-guard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "publish-guard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "publish-guard.labels" -}}
helm.sh/chart: {{ include "publish-guard.chart" . }}
{{ include "publish-guard.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "publish-guard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "publish-guard.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "publish-guard.image" -}}
{{- $repository := .Values.image.repository -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" $repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The upstream URL; install stops here with one line when it is missing. */}}
{{- define "publish-guard.upstream" -}}
{{- required "config.upstream is required: the npm API URL of the registry to protect, e.g. --set config.upstream=https://artifactory.example.com/artifactory/api/npm/npm-local/" .Values.config.upstream -}}
{{- end -}}

{{/* The port of config.upstream: the one the URL names, else 443 for https and 80 for http. */}}
{{- define "publish-guard.upstreamPort" -}}
{{- $url := urlParse (include "publish-guard.upstream" .) -}}
{{- $hostPort := splitList ":" (get $url "host") -}}
{{- if gt (len $hostPort) 1 -}}
{{- last $hostPort -}}
{{- else if eq (get $url "scheme") "https" -}}
443
{{- else -}}
80
{{- end -}}
{{- end -}}

{{/* Where the CA bundle is mounted, and the file the guard reads. */}}
{{- define "publish-guard.caBundleDir" -}}/etc/publish-guard/ca{{- end -}}
{{- define "publish-guard.caBundleFile" -}}
{{- printf "%s/%s" (include "publish-guard.caBundleDir" .) .Values.caBundle.key -}}
{{- end -}}

{{/* The registry URL npm is given: the first Ingress host, else the Service's cluster name. */}}
{{- define "publish-guard.registryUrl" -}}
{{- $route := .Values.httpRoute | default dict -}}
{{- if and (not .Values.ingress.enabled) (dig "enabled" false $route) (dig "hostnames" list $route) -}}
{{- printf "https://%s/" (first $route.hostnames) -}}
{{- else if and .Values.ingress.enabled .Values.ingress.hosts -}}
{{- $host := first .Values.ingress.hosts -}}
{{- $tls := false -}}
{{- range .Values.ingress.tls -}}
{{- if has $host .hosts -}}{{- $tls = true -}}{{- end -}}
{{- end -}}
{{- printf "%s://%s/" (ternary "https" "http" $tls) $host -}}
{{- else -}}
{{- printf "http://%s.%s.svc:%v/" (include "publish-guard.fullname" .) .Release.Namespace .Values.service.port -}}
{{- end -}}
{{- end -}}

{{/* Where the replicas' shared state is: "url", "secret", "bundled" (the chart's Redis) or "".
Several replicas (or an HPA) without one stop the install with one line, unless the user
accepts what they lose. */}}
{{- define "publish-guard.sharedState" -}}
{{- $s := .Values.sharedState -}}
{{- if and $s.url $s.existingSecret -}}
{{- fail "sharedState: set url or existingSecret, not both" -}}
{{- end -}}
{{- $kind := "" -}}
{{- if $s.existingSecret -}}{{- $kind = "secret" -}}
{{- else if $s.url -}}{{- $kind = "url" -}}
{{- else if .Values.redis.enabled -}}{{- $kind = "bundled" -}}
{{- end -}}
{{- $many := or .Values.autoscaling.enabled (gt (int .Values.replicaCount) 1) -}}
{{- if and $many (not $kind) (not $s.acceptUnsharedLocks) -}}
{{- fail "several replicas need a shared state: set sharedState.url (or sharedState.existingSecret), or redis.enabled=true for the chart's own Redis; or, knowing that each pod then keeps only its own publishes apart (overlapping publishes may corrupt a Verdaccio version, or overwrite one on Nexus with redeploy allowed), sharedState.acceptUnsharedLocks=true" -}}
{{- end -}}
{{- $kind -}}
{{- end -}}

{{- define "publish-guard.redisName" -}}{{ include "publish-guard.fullname" . }}-redis{{- end -}}

{{/* The chart's Redis: a name of its own, so that the guard's selector never takes its pods. */}}
{{- define "publish-guard.redisSelectorLabels" -}}
app.kubernetes.io/name: {{ include "publish-guard.name" . }}-redis
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/*
Whole seconds of a duration as the guard reads it ("300s", "5m", "500ms", "300"), rounded up.
Usage: include "publish-guard.seconds" "300s"
*/}}
{{- define "publish-guard.seconds" -}}
{{- $text := toString . | trim | lower -}}
{{- $n := regexFind "^[0-9.]+" $text | float64 -}}
{{- if hasSuffix "ms" $text -}}{{- $n = divf $n 1000 -}}
{{- else if hasSuffix "m" $text -}}{{- $n = mulf $n 60 -}}{{- end -}}
{{- ceil $n | int -}}
{{- end -}}

{{/*
Whole MiB of a size as the guard reads it ("256mb", "1gb", "512kb", bytes), rounded up.
*/}}
{{- define "publish-guard.mebibytes" -}}
{{- $text := toString . | trim | lower -}}
{{- $n := regexFind "^[0-9.]+" $text | float64 -}}
{{- if hasSuffix "gb" $text -}}{{- $n = mulf $n 1024 -}}
{{- else if hasSuffix "kb" $text -}}{{- $n = divf $n 1024 -}}
{{- else if not (hasSuffix "mb" $text) -}}{{- $n = divf $n 1048576 -}}{{- end -}}
{{- ceil $n | int -}}
{{- end -}}

{{/*
The guard's publish timeout in seconds (the chart's config, or the guard's default).
*/}}
{{- define "publish-guard.publishTimeout" -}}
{{- include "publish-guard.seconds" (.Values.config.publish_timeout | default "300s") -}}
{{- end -}}

{{/*
Seconds a stopping pod gets: at least the preStop wait, the longest publish, and a margin to
answer (a smaller value, such as 0.1.0's default 60 kept by --reuse-values, would cut publishes).
*/}}
{{- define "publish-guard.terminationGrace" -}}
{{- $needed := add (include "publish-guard.publishTimeout" . | int) (include "publish-guard.preStop" . | int) 15 -}}
{{- $explicit := .Values.terminationGracePeriodSeconds -}}
{{- if and (ne (toString $explicit) "") (ne (toString $explicit) "<nil>") -}}
{{- max ($explicit | int) $needed -}}
{{- else -}}
{{- $needed -}}
{{- end -}}
{{- end -}}

{{- define "publish-guard.preStop" -}}
{{- dig "preStopSeconds" 5 (.Values.shutdown | default dict) -}}
{{- end -}}

{{/*
The Secret of the status token: the user's, or, when the guard is exposed (Ingress) and none is
given, one the chart makes (kept across upgrades). Empty: the status pages are open.
*/}}
{{- define "publish-guard.statusSecret" -}}
{{- if .Values.statusToken.existingSecret -}}
{{- .Values.statusToken.existingSecret -}}
{{- else if include "publish-guard.exposed" . -}}
{{- include "publish-guard.fullname" . }}-status
{{- end -}}
{{- end -}}

{{- define "publish-guard.statusKey" -}}
{{- if .Values.statusToken.existingSecret }}{{ .Values.statusToken.key }}{{ else }}token{{ end -}}
{{- end -}}

{{/* "true" when some NetworkPolicyPeer of the list selects pods. */}}
{{- define "publish-guard.selectsPods" -}}
{{- range . }}{{ if .podSelector }}true{{ end }}{{ end -}}
{{- end -}}

{{/* "true" when the guard is reachable from outside the cluster (an Ingress or an HTTPRoute). */}}
{{- define "publish-guard.exposed" -}}
{{- if or .Values.ingress.enabled (dig "enabled" false (.Values.httpRoute | default dict)) }}true{{ end -}}
{{- end -}}

{{/* "true" when nginx runs beside the guard (fastPath.enabled; absent in values of 0.1.0). */}}
{{- define "publish-guard.fastPathOn" -}}
{{- if dig "enabled" false (.Values.fastPath | default dict) }}true{{ end -}}
{{- end -}}

{{/*
The guard container's resources: the user's, or derived from what it may hold at once (a worker
peaks near 100 MiB plus twice max_publish_memory: parsing and hashing hold copies).
*/}}
{{- define "publish-guard.resources" -}}
{{- if .Values.resources -}}
{{- toYaml .Values.resources -}}
{{- else -}}
{{- $held := include "publish-guard.mebibytes" (.Values.config.max_publish_memory | default "512mb") | int -}}
{{- $workers := .Values.config.workers | default 1 | int -}}
{{- $limit := mul $workers (add 100 (mul 2 $held)) -}}
requests:
  cpu: 250m
  memory: {{ printf "%dMi" (min $limit 256) }}
limits:
  memory: {{ printf "%dMi" $limit }}
{{- end -}}
{{- end -}}

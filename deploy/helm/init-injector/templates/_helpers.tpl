{{/* Name of the chart, overridable. */}}
{{- define "init-injector.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Base name of every object: the release name when it already contains the chart name. */}}
{{- define "init-injector.fullname" -}}
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

{{/* Selector labels: stable across upgrades (a Deployment selector is immutable). */}}
{{- define "init-injector.selectorLabels" -}}
app.kubernetes.io/name: {{ include "init-injector.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels on every object. */}}
{{- define "init-injector.labels" -}}
{{ include "init-injector.selectorLabels" . }}
app.kubernetes.io/part-of: init-injector
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* failurePolicy: the value, else the mode's default (Fail for opt-in, Ignore for cluster-wide). */}}
{{- define "init-injector.failurePolicy" -}}
{{- if .Values.webhook.failurePolicy -}}
{{- .Values.webhook.failurePolicy -}}
{{- else if eq .Values.mode "opt-in" -}}
Fail
{{- else -}}
Ignore
{{- end -}}
{{- end -}}

{{/* timeoutSeconds: the value, else the mode's default (5 for opt-in, 3 for cluster-wide). */}}
{{- define "init-injector.timeoutSeconds" -}}
{{- if .Values.webhook.timeoutSeconds -}}
{{- .Values.webhook.timeoutSeconds -}}
{{- else if eq .Values.mode "opt-in" -}}
5
{{- else -}}
3
{{- end -}}
{{- end -}}

{{/* Image reference: by digest when one is given. */}}
{{- define "init-injector.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* Name of the ConfigMap holding the policies. */}}
{{- define "init-injector.policiesConfigMap" -}}
{{- if .Values.policies.existingConfigMap -}}
{{- .Values.policies.existingConfigMap -}}
{{- else -}}
{{- include "init-injector.fullname" . }}-policies
{{- end -}}
{{- end -}}

{{/* The policy files the chart carries (bundled + inline), as JSON of file name -> content (fromJson). */}}
{{- define "init-injector.policyData" -}}
{{- $data := dict }}
{{- if .Values.policies.bundled }}
{{- range $path, $_ := .Files.Glob "policies/*.{yaml,yml}" }}
{{- $_ := set $data (base $path) ($.Files.Get $path) }}
{{- end }}
{{- end }}
{{- range $name, $content := .Values.policies.inline }}
{{- $_ := set $data $name $content }}
{{- end }}
{{- if .Values.webhook.skipOptedOutPods }}
{{- range $name, $content := $data }}
{{- if regexMatch "(?m)^\\s*required:\\s*true\\b" $content }}
{{- fail (printf "webhook.skipOptedOutPods=true would let pods opt out of the required policy in %s (a required policy applies to opted-out pods: docs/install.md): set webhook.skipOptedOutPods=false, or remove that policy" $name) }}
{{- end }}
{{- end }}
{{- end }}
{{- toJson $data }}
{{- end -}}

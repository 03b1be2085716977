# La interfaz web en español.

## El marco de cada página
skip-to-content = Ir al contenido
nav-label = Menú principal
nav-needs-me = Pendiente
nav-review-queue = Cola de revisión
nav-administration = Administración
nav-cases = Casos
nav-my-cases = Mis casos
nav-reports = Informes
nav-open-case = Abrir un caso
nav-approvals = Aprobaciones
nav-admin-log = Registro administrativo
nav-holidays = Días festivos
nav-workflows = Procedimientos
nav-settings = Mi configuración
nav-count-needs = { $n ->
    [one] un asunto le espera
   *[other] { $n } asuntos le esperan
}
nav-count-decisions = { $n ->
    [one] una solicitud por decidir
   *[other] { $n } solicitudes por decidir
}
sign-out = Cerrar sesión
role-focal-point = punto focal
role-head-of-delegation = jefe de delegación
role-eusr = oficina del REUE
role-admin = administrador
role-hq = analista de la sede
role-system = sistema

## Iniciar sesión
sign-in-title = Iniciar sesión
sign-in-kept = Su sesión terminó antes de enviar el formulario. Lo que escribió se conserva, cifrado, durante 12 horas: inicie sesión de nuevo para recuperarlo y enviarlo.
sign-in-token = Token de la API
sign-in-token-hint = El token que le dio su administrador (vigil users add lo muestra una sola vez). La sesión dura hasta 12 horas en este navegador, y 30 minutos sin actividad la terminan.
sign-in-button = Iniciar sesión
sign-in-link-heading = O reciba un enlace de acceso por correo
sign-in-email = Su dirección de correo electrónico
sign-in-link-hint = El enlace funciona una vez, durante 15 minutos.
sign-in-link-button = Enviarme un enlace
sign-in-refused = Ese token no es válido, ha caducado o fue revocado.
sign-in-too-many = Demasiados intentos fallidos desde aquí. Vuelva a intentarlo en { $n ->
    [one] un minuto
   *[other] { $n } minutos
}.
sign-in-links-off = Los enlaces de acceso no están disponibles aquí; inicie sesión con su token de la API.
sign-in-links-too-many = Se pidieron demasiados enlaces de acceso. Vuelva a intentarlo en { $n ->
    [one] un minuto
   *[other] { $n } minutos
}.
sign-in-link-spent = Ese enlace de acceso ha caducado o ya se usó. Pida otro abajo.

## Pendiente
needs-title = Pendiente
needs-hint = Lo que le espera, lo que está atrasado y lo que vence en los próximos { $n } días, en sus casos y en los de su delegación. Se basa en los procedimientos y los recordatorios; no se abre ningún caso para ello.
needs-waiting = Esperando su acción
needs-waiting-none = Nada espera su acción.
needs-taken = Asumidos por usted
needs-taken-none = No ha asumido ningún elemento de la cola de revisión.
needs-overdue = Atrasado
needs-overdue-none = Nada está atrasado.
needs-soon = Vence pronto
needs-soon-none = Nada vence en los próximos días.
needs-awaits = Espera su acción
# Shared by Needs me and the case list.
since = desde { $when }
col-case = Caso
col-procedure = Procedimiento
col-step = Paso
col-what = Qué
col-when = Cuándo

## Riesgos y temas
risk-low = Bajo
risk-medium = Medio
risk-high = Alto
risk-critical = Crítico
theme-WHRD = Defensoras de derechos humanos
theme-ENV_LAND = Medio ambiente y tierra
theme-INDIGENOUS = Pueblos indígenas
theme-MEDIA = Periodistas y medios
theme-LGBTI = Personas LGBTI
theme-LABOUR = Trabajo y sindicatos
theme-LAWYERS = Abogados y jueces
theme-CHILD = Derechos de la infancia
theme-MINORITY_FORB = Minorías, libertad de religión o de creencias
theme-DISABILITY = Personas con discapacidad
theme-ESCR = Derechos económicos, sociales y culturales
theme-ANTI_CORRUPTION = Lucha contra la corrupción
theme-DEMOCRACY = Democracia y elecciones
theme-DIGITAL = Derechos digitales
theme-TORTURE_DP = Tortura y privación de libertad
theme-MIGRANTS = Migrantes y refugiados
theme-OTHER = Otro

## La lista de casos
list-search-label = Buscar un caso por su referencia o el nombre del defensor
list-search-button = Buscar
list-search-hint = Un nombre se encuentra se escriba como se escriba (mayúsculas, acentos, orden de las palabras); cada caso encontrado queda anotado en su registro de accesos.
list-found = { $n ->
    [0] No se encontró ningún caso.
    [one] Se encontró un caso.
   *[other] Se encontraron { $n } casos.
}
list-back = Volver a la lista
list-filters = Filtros
list-whose = Casos de
list-whose-mine = Míos
list-whose-all = Mi delegación
list-procedure = Procedimiento
list-step = Paso
list-risk = Riesgo
list-theme = Tema
list-country = País
list-order = Orden
list-newest = Los más recientes primero
list-next-due = Próximo vencimiento primero
list-overdue-only = Solo atrasados
list-filter = Filtrar
list-any = Todos
list-none = Ningún caso coincide.
list-caption-newest = Casos, los más recientes primero
list-caption-due = Casos, próximo vencimiento primero
list-defender = Defensor
list-themes = Temas
list-open-procedures = Procedimientos en curso
list-next-due-col = Próximo vencimiento
list-opened = Abierto
list-overdue = Atrasado
list-names-hint = Cada caso listado con el nombre de su defensor queda anotado en su registro de accesos.
list-next-page = Página siguiente

## Un caso
case-title = Caso { $reference }
case-risk-low = riesgo bajo
case-risk-medium = riesgo medio
case-risk-high = riesgo alto
case-risk-critical = riesgo crítico
case-go-to-form = Ir al formulario
case-duplicates = Posibles duplicados en su delegación (mismo nombre de defensor):
case-country = País
case-themes = Temas
case-owner = Responsable
case-owner-you = usted
case-owner-colleague = un colega
case-opened = Abierto
case-updated = Último cambio
case-who = Quién y qué
case-sealed-hint = Cifrado con age; esta lectura queda anotada en el registro de accesos del caso.
case-edit = Modificar el caso
case-closed-reviews = Los datos confidenciales del caso no se le muestran: sus revisiones están cerradas.
case-in-queue = En la cola { $queue }
case-procedure-closed = Este procedimiento está cerrado.
case-no-action = Ninguna acción le corresponde en este paso.
case-actions = Lo que puede hacer ahora
case-usual = paso siguiente habitual
case-starts = inicia { $workflow }
case-required = obligatorio
case-plain = sin cifrar
case-choose = Elegir…
case-graph = { $workflow }: el paso actual está marcado.
case-files = Archivos de prueba
case-no-files = No hay archivos adjuntos.
case-files-caption = El SHA-256 de cada archivo se registró al llegar; cada descarga se comprueba con él.
case-file = Archivo
case-size = Tamaño
case-type = Tipo
case-belongs = Pertenece a
case-added = Añadido
case-the-case = El caso
case-by = por { $who }
case-file-hint = Como máximo { $size }. Se cifra con age al llegar; se registra su SHA-256.
case-attach = Adjuntar el archivo
case-start-heading = Iniciar otro procedimiento
case-start = Iniciar
case-coming-up = Próximamente
case-nothing-scheduled = Nada programado.
case-overdue = atrasado
case-timer = Temporizador
case-reminder = Recordatorio
case-due-what = { $kind }: { $what }
case-timeline = Historial
case-vigil = Vigil
case-done = Hecho: { $action }.
case-attached = Se adjuntó { $file } (SHA-256 { $sha256 }).
case-not-attached = El archivo no se adjuntó: { $why }.
case-file-too-large = el archivo supera los { $limit } bytes permitidos
case-files-quota = los archivos del caso pueden ocupar { $quota } bytes en total, y este los superaría
case-uploads-busy = llegan demasiados archivos a la vez; inténtelo de nuevo en un momento
case-look-again = Algunos campos necesitan otra revisión.
case-changed-meanwhile = Alguien cambió este procedimiento desde que abrió la página. Se muestra como está ahora; lo que escribió se conserva.
case-refused = Rechazado: { $why }.
refusal-closed = el procedimiento está cerrado ({ $state })
refusal-unknown-action = este procedimiento no tiene esa acción
refusal-not-from-state = «{ $action }» no se puede hacer en la etapa «{ $state }»
refusal-role = «{ $action }» corresponde a: { $roles }
refusal-unknown-workflow = «{ $action }» abre un procedimiento que Vigil no conoce
case-kept = Su sesión terminó antes del envío. Lo que escribió se conserva abajo: revíselo y envíelo de nuevo.
case-unplaced = Este paso avanzó entretanto, así que su formulario ya no está. Lo que escribió:

## Lo que un caso contiene sobre la persona
conf-defender_name = Nombre del defensor
conf-organisation = Organización
conf-location = Dónde se encuentra
conf-contact = Cómo contactarle de forma segura
conf-narrative = Qué ocurrió

## La cola de revisión del REUE
queue-title = Cola de revisión del REUE
queue-hint = Procedimientos escalados, los más urgentes primero y luego los que más esperan: primero lo que espera a la oficina, luego lo que espera a una delegación (se le pidió información). Abrir un caso queda anotado en su registro de accesos.
queue-delegation = Delegación
queue-any-risk = (todos)
queue-any-delegation = (todas)
queue-show = Mostrar
queue-ours = Esperando a la oficina del REUE
queue-ours-none = Nada espera a la oficina.
queue-theirs = Esperando a la delegación
queue-theirs-none = Nada espera a una delegación.
queue-waiting = En espera
queue-taken-by = Asumido por
queue-take = Asumirlo
queue-give-back = Devolverlo
queue-claim = { $who }, desde { $when }
queue-hours = { $n } h, desde { $when }
queue-days = { $n } días, desde { $when }

## Shared words
yes = Sí
no = No

## Opening and editing a case
form-open-title = Abrir un caso
form-edit-title = Modificar el caso { $reference }
form-about = Sobre el caso
form-about-hint = (metadatos en claro, para las listas y las estadísticas)
form-country-hint = Dos letras (ISO 3166-1), por ejemplo KE.
form-first-procedure = Primer procedimiento
form-who = Quién y qué
form-who-hint = (sellado con age: solo quienes pueden leer el caso lo ven, y cada lectura queda registrada)
form-save = Guardar los cambios
form-open = Abrir el caso
form-cancel = Cancelar
form-stale = Alguien modificó este caso desde que abrió el formulario. Sus datos se conservan; guardar de nuevo reemplaza los cambios de esa persona por los suyos, así que compare primero con el caso.

## One-time links
link-hint = Inicie sesión con el enlace de su correo. Sirve una sola vez.
link-sent-title = Revise su correo
link-sent = Si esa dirección pertenece a un usuario de Vigil, un enlace para iniciar sesión va en camino. Sirve una vez, durante { $n } minutos.
link-back = Volver a iniciar sesión
token-title = Su token de API
token-hint = Un administrador pidió un token de API para usted. Pulse el botón para verlo: se muestra una sola vez y luego el enlace deja de funcionar.
token-show = Mostrar mi token
token-shown = Su token, válido hasta el { $until }. Se muestra ahora y nunca más, solo a usted: guárdelo donde solo usted pueda leerlo. Inicie sesión con él, o envíelo a la API como
token-shown-end = .

## Approvals
approvals-title = Aprobaciones
approvals-hint = Algunos cambios requieren dos personas: quien pide uno nunca puede decidirlo, ni tampoco la persona a la que afecta. La jefatura de delegación decide los permisos de los puntos focales de su delegación; otro administrador decide todo lo demás, y los puntos focales de una delegación que aún no tiene jefatura.
approvals-grants = Permisos
approvals-no-grant = Ningún permiso espera una decisión.
approvals-who = Quién
approvals-what = Qué
approvals-role = Rol
approvals-asked-by = Pedido por
approvals-when = Cuándo
approvals-decision = Decisión
approvals-approve = Aprobar
approvals-refuse = Rechazar
approvals-approve-label = Aprobar { $what } para { $who }
approvals-refuse-label = Rechazar { $what } para { $who }
approvals-waiting-for = a la espera de { $who }
approvals-erasures = Borrados
approvals-no-erasure = Ningún borrado espera aprobación.
approvals-reason = Motivo
approvals-action = Acción
approvals-waiting-admin = a la espera de otro administrador
approvals-erase = Aprobar y borrar
approvals-erase-label = Aprobar el borrado de { $reference }
approvals-done-approved = El permiso está aprobado y en vigor. Se avisó por correo a las personas afectadas.
approvals-done-invited = El permiso está aprobado. El nuevo usuario recibió por correo un enlace de un solo uso a su token, que nadie más ve.
approvals-done-refused = El permiso está rechazado; nada cambió.
approvals-done-erased = El caso está borrado: solo queda su lápida.
approvals-approved-but = El permiso está aprobado, pero { $why }.

## Holidays
holidays-title = Días festivos
holidays-of = Días festivos de { $delegation }
holidays-hint = Los días festivos no son laborables, como el fin de semana: los plazos y recordatorios en días hábiles los saltan, y un recordatorio que cae en uno espera a la siguiente mañana hábil. Un cambio cuenta para lo que se programe a partir de entonces; lo ya programado conserva su hora.
holidays-none = No hay ningún día festivo definido.
holidays-caption = Días festivos, por fecha
holidays-date = Fecha
holidays-holiday = Festivo
holidays-remove = Quitar
holidays-remove-label = Quitar { $name }, { $date }
holidays-add-heading = Añadir un día festivo
holidays-name = Nombre
holidays-add = Añadir
holidays-import-heading = Importar un calendario
holidays-file = Archivo iCalendar (.ics)
holidays-file-hint = Los días de cada evento, de un año atrás a cinco años adelante; los eventos anuales se repiten. Una fecha que ya es festiva toma el nombre del archivo. 1 MiB como máximo.
holidays-import = Importar
holidays-saved = Guardado: { $added } añadidos, { $renamed } renombrados, { $removed } quitados.
holidays-moved = { $moved ->
    [one] Un recordatorio o plazo ya programado vence ahora en otro momento.
   *[other] { $moved } recordatorios y plazos ya programados vencen ahora en otro momento.
}
holidays-no-delegation = Esa delegación no existe.

## Settings
settings-title = Mi configuración
settings-hint = Cómo le habla y le escribe Vigil. Cada cambio queda anotado en el registro de administración.
settings-language = Idioma
settings-language-browser = El idioma de mi navegador (ahora { $now })
settings-language-hint = De las páginas y de sus correos. Mientras siga a su navegador, los correos están en inglés: un correo no puede preguntar a su navegador.
settings-time-zone = Zona horaria
settings-time-zone-delegation = La de mi delegación ({ $zone })
settings-time-zone-utc = Ninguna: horas en UTC
settings-time-zone-hint = Las horas de las páginas y de sus correos, y las de los recordatorios dirigidos solo a usted.
settings-digest = Mis recordatorios en un correo al día
settings-digest-hint = Si no, cada recordatorio llega a su vencimiento.
settings-save = Guardar mi configuración
settings-saved = Su configuración está guardada.
settings-invalid = Elija un idioma y una zona horaria de las listas.

## The workflows reference page
workflows-title = Procedimientos
workflows-one = Procedimiento
workflows-version = versión { $version }
workflows-graph-label = Máquina de estados: { $workflow }
workflows-graph-caption = { $workflow }: pase el puntero sobre una flecha para ver sus acciones.
graph-arrow = { $action } ({ $roles })
graph-arrow-branch = { $action }, { $field }: { $choice } ({ $roles })
graph-arrow-timer = { $action }, tras { $after } (por Vigil)
workflows-steps = Etapas
workflows-actions = Acciones
workflows-action = Acción
workflows-from = Desde
workflows-to = Hacia
workflows-who = Quién
workflows-fields = Campos
workflows-first = primera
workflows-final = final
workflows-queued = en la cola de examen del REUE
workflows-reminder = Recordatorio: { $what }; destinatarios: { $to }; { $when }
workflows-timer = Plazo: tras { $by }, { $action }
workflows-repeating = repetido ({ $cron })
workflows-after-field = { $by } después de { $field }
workflows-before-field = { $by } antes de { $field }
workflows-after-entering = { $by } después de entrar en la etapa
workflows-any-open-state = cualquier etapa abierta
workflows-branch = según { $field }: { $cases }
workflows-starts = se queda; abre { $workflow }
workflows-stays = se queda
workflows-optional = opcional
workflows-sealed = sellado
workflows-plain = en claro
workflows-type-text = texto
workflows-type-date = fecha
workflows-type-datetime = fecha y hora
workflows-type-bool = sí o no
workflows-type-enum = una opción
workflows-type-integer = número entero
workflows-type-list = varias opciones
workflows-type-user = una persona
recipient-owner = el responsable del caso
recipient-focal_point = los puntos focales de la delegación
recipient-head_of_delegation = el jefe de delegación
recipient-eusr_reviewers = la oficina del REUE
duration-hours = { $n ->
    [one] { $n } hora
   *[other] { $n } horas
}
duration-days = { $n ->
    [one] { $n } día
   *[other] { $n } días
}
duration-weeks = { $n ->
    [one] { $n } semana
   *[other] { $n } semanas
}
duration-working-days = { $n ->
    [one] { $n } día hábil
   *[other] { $n } días hábiles
}

## What the cases layer finds wrong with a field (after the field's name)
issue-country = debe ser un código de país de dos letras, como KE
issue-no-theme = debe nombrar al menos un tema
issue-not-themes = contiene un código que no es un tema
issue-not-theme = no es un tema
issue-risk = debe ser bajo, medio, alto o crítico
issue-required-text = es obligatorio
issue-empty-text = no debe estar vacío
issue-not-removable = no se puede quitar
issue-owner = debe ser un punto focal o un jefe activo de la delegación del caso
issue-unknown-workflow = no es un procedimiento que Vigil conozca
issue-no-such-reference = no designa ningún caso (las referencias tienen la forma VG-2026-00042)
issue-not-case-procedure = no es un procedimiento de este caso
issue-not-procedure-id = debe ser el identificador de un procedimiento
issue-nul = no debe contener el carácter NUL
issue-required = debe indicarse
issue-missing = falta
issue-too-long = debe tener como máximo { $max } caracteres
issue-length = debe tener de 1 a { $max } caracteres
issue-one-line = debe tener de 1 a { $max } caracteres, en una línea
issue-page-size = debe estar entre 1 y { $max }
issue-sequence-number = debe ser un número de orden, 0 o más
issue-sort = debe ser «newest» o «due»
issue-cursor = no es una página de esta lista
issue-not-in-vocabulary = debe ser uno de { $values }
issue-grant-role = debe ser punto focal, jefe de delegación, examinador del REUE o administrador
issue-delegation-needed = debe indicarse para este rol
issue-no-delegation = debe dejarse vacía para este rol
issue-no-such-delegation = no designa ninguna delegación
issue-not-email = no es una dirección válida
issue-email-taken = ya pertenece a un usuario
issue-same-role = ya es el rol de este usuario, en la misma delegación
issue-not-disabled = designa a un usuario que no está desactivado
issue-time-zone = debe ser una zona horaria como Europe/Brussels
issue-language = debe ser un código de idioma como en o fr
issue-recipient = debe ser un destinatario age (age1…)
issue-not-file-name = debe ser un nombre de archivo, sin ruta
issue-control-characters = no debe contener caracteres de control
issue-empty-file = no debe estar vacío: un adjunto es un archivo con contenido
issue-no-file-name = debe indicarse
issue-not-text = no es texto
issue-not-calendar = no es un archivo iCalendar (.ics)
issue-no-start = contiene un evento sin fecha de inicio (DTSTART)
issue-bad-rule = contiene un evento recurrente cuya regla (RRULE) no se puede leer
issue-event-too-long = contiene un evento de más de { $max } días, que no es un día festivo
issue-too-many-holidays = contiene más de { $max } días festivos
issue-day = debe ser una fecha, como 2026-12-25
issue-year = debe ser un año, como 2026
issue-month = debe ser un mes, como 2026-12
issue-dimension-twice = nombra dos veces la misma dimensión
issue-procedures-only = por procedimiento, etapa o resultado es del informe de procedimientos
issue-too-many-dimensions = admite como máximo dos dimensiones
issue-parameters = solo admite { $names }
issue-unknown-value = no es un valor que este informe conozca
issue-filter-and-grouping = no puede ser a la vez un filtro y una agrupación
issue-procedures-filter = solo filtra el informe de procedimientos
issue-before-from = es anterior al inicio
issue-period-too-long = da un período de más de { $max } meses
issue-format = debe ser CSV, o dejarse vacío
issue-field-file = El archivo
issue-field-day = La fecha
issue-field-name = El nombre
issue-field-email = Correo electrónico
issue-field-role = Rol
issue-field-delegation = Delegación
issue-field-user_id = El usuario
issue-field-reason = El motivo
issue-field-reference = La referencia
issue-field-from = Desde
issue-field-to = Hasta
issue-field-by = Por
issue-field-year = El año
issue-field-query = El informe
issue-field-format = El formato
issue-field-workflow = Procedimiento
issue-field-country = País
issue-field-region = Región
issue-field-theme = Tema
issue-field-risk = Riesgo
issue-field-time_zone = Zona horaria
issue-field-language = Idioma
issue-field-filename = El nombre del archivo

## Why someone may not do what they asked
denied-opens-cases = Solo los puntos focales y los jefes de delegación abren casos.
denied-own-delegation-only = Solo puede abrir casos en su propia delegación.
denied-no-delegation = No pertenece a ninguna delegación.
denied-starts-procedures = Solo la delegación del caso abre procedimientos en él.
denied-edits-case = Solo la delegación del caso lo modifica.
denied-attaches-files = Solo la delegación del caso le adjunta archivos.
denied-sees-no-cases = Su rol no ve ningún caso.
denied-lists-names = Los nombres de los defensores solo se listan al personal de la delegación.
denied-review-queue = La cola de examen del REUE es para la oficina del REUE.
denied-takes-queue-items = Solo la oficina del REUE asume elementos de su cola.
denied-not-in-queue = Este procedimiento no espera en la cola de examen del REUE.
denied-taken-by-colleague = Un colega de la oficina ha asumido este elemento.
denied-admin-page = Esta página es para los administradores.
denied-approvals-page = Esta página es para los administradores y los jefes de delegación.
denied-admin-log = El registro de administración es para los administradores y los jefes de delegación.
denied-asks-grants = Solo los administradores solicitan derechos.
denied-sees-grants = Los derechos pendientes son para los administradores y los jefes de delegación.
denied-grant-waiting = Una solicitud para esta persona ya espera una decisión.
denied-decided-already = Esta solicitud ya se decidió.
denied-own-request = Usted mismo lo pidió: otra persona debe decidir.
denied-about-you = Esto le concierne: otra persona debe decidir.
denied-for-the-head = Le corresponde decidir al jefe de la delegación { $delegation }.
denied-for-an-admin = Le corresponde decidir a otro administrador.
denied-erasure = Solo los administradores solicitan y aprueban un borrado.
denied-erasure-waiting = Un borrado de este caso ya espera su aprobación.
denied-reminder-queues = Las colas de recordatorios son para los administradores.
denied-reads-holidays = Los días festivos de una delegación son para su personal y los administradores.
denied-sets-holidays = Los días festivos de una delegación los fijan los administradores.
denied-link-spent = Ese enlace caducó o ya se usó; pida otro a su administrador.
denied-metrics = Las métricas son para el token de métricas, las direcciones configuradas y los administradores.
denied-reports = Los informes son para los jefes de delegación, la oficina del REUE y la sede.
denied-head-without-delegation = Un jefe de delegación pertenece a una delegación.
denied-own-figures = Un jefe de delegación ve las cifras de su propia delegación.
error-detail-not-found = Aquí no hay nada, o nada que usted pueda ver.
error-detail-gone = Este caso fue borrado.
error-detail-conflict = Alguien lo cambió mientras tanto; vuelva a leerlo.
error-detail-too-many-attempts = Demasiados intentos fallidos de iniciar sesión; inténtelo más tarde.
error-detail-csrf = Este formulario caducó o no viene de Vigil; recargue la página e inténtelo de nuevo.

## Reports
reports-title = Informes
reports-hint = Recuentos de casos a partir de sus metadatos en claro; no se abre ningún caso. Una cifra de menos de { $n } casos se oculta, como cualquier cifra que permitiera deducirla de los totales o de un informe con un filtro menos. Cada informe que usted genera queda registrado.
reports-annual-link = La tabla del informe anual de este año
reports-annual-link-hint = (las cifras del año de cada delegación a su alcance, por procedimiento y resultado).
reports-report = Informe
reports-from = Desde (mes)
reports-to = Hasta (mes)
reports-group-by = Agrupar por
reports-then-by = y luego por
reports-country-code = País (código)
reports-cannot-run = Este informe no se puede generar:
reports-chart-title = Casos por { $by }; la tabla de abajo da las mismas cifras
reports-chart-caption = Casos por { $by }.
reports-cases = Casos
reports-by = por { $by }
reports-csv = Descargar en CSV
reports-suppressed = oculto
reports-none = (ninguno)
reports-total = Total
reports-open = abierto
report-cases = Casos
report-procedures = Procedimientos
dimension-delegation = Delegación
dimension-country = País
dimension-region = Región
dimension-theme = Tema
dimension-risk = Riesgo
dimension-workflow = Procedimiento
dimension-state = Paso
dimension-outcome = Resultado
dimension-month = Mes
dimension-year = Año
annual-title = Tabla del informe anual
annual-title-year = Tabla del informe anual, { $year }
annual-hint = Los casos con un procedimiento iniciado en el año, para el informe anual de la UE sobre derechos humanos y democracia, contados a partir de sus metadatos en claro; no se abre ningún caso. Una cifra de menos de { $n } casos se oculta, como cualquier cifra que permitiera deducirla de los totales. Cada tabla que usted genera queda registrada.
annual-years = Años
annual-year = Año:
annual-other-reports = Otros informes
annual-cannot-make = Esta tabla no se puede generar:
annual-by-delegation = Casos por delegación y procedimiento, { $year }.
annual-outcomes = Resultados por procedimiento, { $year } (abierto: aún no cerrado)
annual-all-procedures = Todos los procedimientos
annual-all-delegations = Todas las delegaciones

## Administration
admin-title = Administración
admin-sent = Se envió por correo a { $to } un enlace de un solo uso a un nuevo token. Sirve una vez, durante 15 minutos; el token solo se muestra a quien lo abre. Nadie más, usted incluido, lo ve nunca.
admin-none-waiting = Ninguna solicitud espera una decisión.
admin-waiting = { $n ->
    [one] Una solicitud espera
   *[other] { $n } solicitudes esperan
} una decisión
admin-two-people = Añadir un usuario, cambiar un rol o una delegación y reactivar un usuario requieren dos personas: usted lo pide aquí; la jefatura de la delegación (para sus puntos focales) u otro administrador lo aprueba en la
admin-approvals-page = página de aprobaciones
admin-users = Usuarios
admin-email = Correo
admin-name = Nombre
admin-status = Estado
admin-actions = Acciones
admin-disabled = desactivado
admin-active = activo
admin-issue-token = Emitir un token
admin-issue-token-label = Emitir un token para { $who }
admin-disable = Desactivar
admin-disable-label = Desactivar { $who }
admin-enable = Pedir la reactivación
admin-enable-label = Pedir la reactivación de { $who }
admin-other-role = Pedir otro rol
admin-other-role-for = para { $who }
admin-delegation-code = Código de la delegación
admin-ask-change = Pedir el cambio
admin-new-user = Pedir un nuevo usuario
admin-delegation-hint = Para puntos focales y jefes de delegación, por ejemplo EUD_KE.
admin-ask-user = Pedir el usuario
admin-revoke-heading = Revocar un token
admin-revoke-label = Token, o los 8 dígitos hexadecimales después de
admin-revoke = Revocar
admin-dead = Recordatorios y temporizadores abandonados
admin-none = Ninguno.
admin-due = Vencimiento
admin-attempts = Intentos
admin-retry = Reintentar
admin-erasure = Borrado
admin-erasure-hint = Borrar un caso requiere dos administradores: uno lo pide, otro lo aprueba en la
admin-erasure-hint-end = La clave del caso se destruye entonces; solo queda una lápida con su referencia.
admin-ask-erasure = Pedir un borrado
admin-case-reference = Referencia del caso
admin-ask-erasure-button = Pedir el borrado
admin-done-disabled = El usuario está desactivado; sus tokens y sesiones dejaron de funcionar.
admin-done-revoked = El token está revocado; las sesiones abiertas con él terminaron.
admin-done-retried = El elemento se reintentará en la próxima pasada.
admin-done-requested = El borrado está solicitado. Otro administrador debe aprobarlo.
admin-done-asked_head = El permiso está solicitado. Nada cambia hasta que la jefatura de la delegación lo apruebe; se le envió un correo.
admin-done-asked_admin = El permiso está solicitado. Nada cambia hasta que otro administrador lo apruebe.
admin-no-user = Ese usuario no existe.
admin-not-dead = Ese elemento no está (o ya no está) abandonado.
admin-erased-already = Ese caso ya está borrado.
log-title = Registro administrativo
log-hint = Cada acto administrativo, del más reciente al más antiguo, con quién lo hizo. El registro está encadenado por hashes y solo admite añadidos; puntos de control firmados lo comprometen.
log-who = Quién
log-about = Sobre
log-details = Detalles
log-older = Entradas más antiguas
log-operator = el operador (línea de comandos)
kind-reminder = Recordatorio
kind-timer = Temporizador
act-user_added = Usuario añadido
act-user_disabled = Usuario desactivado
act-token_link_sent = Enlace de token enviado
act-token_issued = Token emitido
act-token_revoked = Token revocado
act-erasure_requested = Borrado solicitado
act-erasure_approved = Borrado aprobado
act-keys_rotated = Claves rotadas
act-index_rebuilt = Índice reconstruido
act-grant_requested = Permiso solicitado
act-grant_approved = Permiso aprobado
act-grant_refused = Permiso rechazado
act-user_changed = Usuario modificado
act-user_enabled = Usuario reactivado
act-delegation_added = Delegación añadida
act-preferences_changed = Preferencias modificadas
act-reminder_retried = Recordatorio reintentado
act-holidays_changed = Días festivos modificados

## Error pages
error-status = Estado HTTP { $n }.
error-back = Volver a Vigil
error-internal = Algo falló en el servidor. El identificador de solicitud X-Request-Id se la señala a su administrador.
error-400 = Solicitud incorrecta
error-403 = Acceso denegado
error-404 = No encontrado
error-409 = Conflicto
error-413 = Envío demasiado grande
error-422 = Solicitud imposible de procesar
error-429 = Demasiadas solicitudes
error-500 = Error interno del servidor
error-503 = Servicio no disponible

## The picture of a procedure
case-graph-label = Máquina de estados de { $workflow }; paso actual: { $state }

## Problems with a form's fields
problem-missing = es obligatorio
problem-unknown = contiene un campo que esta acción no admite
problem-yes-no = debe ser sí o no
problem-whole-number = debe ser un número entero
problem-date-time = debe ser una fecha y una hora
problem-empty = no debe estar vacío
problem-nul = no debe contener el carácter NUL
problem-too-long = debe tener como máximo { $max } caracteres
problem-one-line = debe caber en una línea
problem-range = debe estar entre { $min } y { $max }
problem-choice = debe ser una de las opciones ofrecidas
problem-choices = debe ser opciones ofrecidas, cada una una vez
problem-date = debe ser una fecha
problem-user = debe ser una de las personas ofrecidas
problem-text = debe ser texto

# Textos en español de los correos de Vigil (véase en.ftl). Un texto que falte aquí se toma
# en inglés.

## Las palabras alrededor de cada recordatorio.

email-case = Caso
email-procedure = Procedimiento
email-step = Paso
email-due = Vencimiento
email-open_case = Abrir el caso
email-footer = Este recordatorio no nombra a nadie a propósito; el caso contiene los detalles.
email-digest_subject = Sus recordatorios
email-digest_intro = Estos recordatorios vencieron desde su último resumen.

## Lo que dice cada recordatorio.

reminder-handoff = Para usted: este paso del procedimiento espera su acción
reminder-demarche-chase_reply = Reclamar la respuesta a la gestión diplomática
reminder-demarche-clearance_due = Se espera la autorización de la gestión diplomática
reminder-demarche-decision_due = Decisión pendiente
reminder-demarche-delivery_due = Entregar la gestión diplomática
reminder-demarche-no_reply_30_days = Sin respuesta a la gestión diplomática tras 30 días
reminder-demarche-record_expected_reply = Indicar cuándo se espera una respuesta
reminder-dialogue-chase_response = Reclamar la respuesta al caso planteado en el diálogo
reminder-dialogue-endorsement_due = Se espera el visto bueno de la propuesta para el diálogo
reminder-dialogue-hq_decision_overdue = La decisión de la sede sobre la propuesta está atrasada
reminder-dialogue-hq_decision_pending = La decisión de la sede sobre la propuesta está pendiente
reminder-dialogue-record_raised_and_debrief = Registrar que se planteó el caso, e informar
reminder-dialogue-submit_proposal = Presentar la propuesta para el diálogo
reminder-eusr_review-acknowledge = Acusar recibo del caso remitido
reminder-eusr_review-information_due = Se espera la información solicitada
reminder-eusr_review-review_date = Llegó la fecha de la revisión
reminder-eusr_review-weekly_open = La revisión sigue abierta
reminder-protection-chase_acknowledgement = Reclamar el acuse de recibo de la remisión
reminder-protection-chase_decision = Reclamar la decisión sobre la remisión
reminder-protection-check_in_1_month = Seguimiento: un mes de protección
reminder-protection-check_in_3_months = Seguimiento: tres meses de protección
reminder-protection-check_in_6_months = Seguimiento: seis meses de protección
reminder-protection-decision_due = Se espera la decisión sobre la remisión
reminder-protection-endorsement_due = Se espera el visto bueno de la remisión
reminder-protection-no_acknowledgement = No se acusó recibo de la remisión
reminder-protection-return_or_extension_plan = Preparar el regreso o una prórroga
reminder-protection-send_referral = Enviar la remisión
reminder-protection-visa_expiring = Un visado está por vencer
reminder-trial-appeal_deadline = Se acerca el plazo de apelación
reminder-trial-approval_due = Se espera la aprobación de la observación del juicio
reminder-trial-confirm_access = Confirmar el acceso a la audiencia
reminder-trial-confirm_logistics = Confirmar la logística de la observación
reminder-trial-decide_follow_up = Decidir el seguimiento del veredicto
reminder-trial-hearing_in_7_days = Audiencia dentro de 7 días
reminder-trial-hearing_in_7_days_unapproved = Audiencia dentro de 7 días, observación aún no aprobada
reminder-trial-hearing_tomorrow = Audiencia mañana
reminder-trial-notify_authorities = Informar a las autoridades de la observación
reminder-trial-record_attendance = Registrar la asistencia a la audiencia
reminder-trial-report_due = Se espera el informe de observación
reminder-trial-report_overdue = El informe de observación está atrasado
reminder-trial-report_overdue_escalated = El informe de observación está atrasado y se ha escalado

## El enlace para iniciar sesión.

sign-in-link = Alguien (usted, esperamos) pidió iniciar sesión en Vigil con esta dirección.
    .subject = [Vigil] Su enlace para iniciar sesión
    .action = Iniciar sesión en Vigil
    .lifetime = El enlace sirve una vez, durante { $minutes } minutos. Si no lo pidió, ignore este correo.

## Un enlace a un nuevo token de API.

token-link = Un administrador de Vigil pidió un token de API para usted.
    .subject = [Vigil] Su token de API
    .action = Obtener su token
    .lifetime = El enlace sirve una vez, durante { $minutes } minutos; el token se muestra una sola vez en la página que abre. Si no lo esperaba, avise a su administrador.

## La regla de los cuatro ojos: una solicitud que espera a una segunda persona, y su decisión.

four-eyes-waiting = Solicitudes pendientes de decisión
grant-requested = { $requester } pidió { $kind }: { $grant }. Espera la aprobación de { $approver }; nada cambia hasta entonces.
    .subject = [Vigil] Permiso solicitado: { $grant }
grant-approved = { $decider } aprobó { $kind }: { $grant }. Ya está en vigor.
    .subject = [Vigil] Permiso aprobado: { $grant }
grant-refused = { $decider } rechazó { $kind }: { $grant }. Nada cambió.
    .subject = [Vigil] Permiso rechazado: { $grant }
grant-of-delegation = { $email } como { $role } de { $delegation }
grant-of-nowhere = { $email } como { $role }
grant-kind-new_user = un nuevo usuario
grant-kind-change = un cambio de rol
grant-kind-re_enable = una reactivación
approver-head = la jefatura de la delegación { $delegation }
approver-admin = otro administrador
role-focal_point = punto focal
role-head_of_delegation = jefe de delegación
role-eusr_reviewer = revisor de la oficina del REUE
role-hq_analyst = analista de la sede
role-admin = administrador
erasure-requested = { $requester } pidió borrar el caso { $reference } de { $delegation } ({ $reason }). Espera la aprobación de otro administrador.
    .subject = [Vigil] Borrado solicitado: { $reference }
erasure-done = { $approver } aprobó el borrado del caso { $reference } de { $delegation }: su clave está destruida y solo queda su lápida.
    .subject = [Vigil] Caso borrado: { $reference }
erasure-reason-defender_request = a petición del defensor
erasure-reason-retention_expired = su plazo de conservación ha vencido
erasure-reason-data_protection_order = por una orden de protección de datos
erasure-reason-opened_in_error = abierto por error
